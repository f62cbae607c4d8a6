// The list options of watch-list (sendInitialEvents, resourceVersionMatch, allowWatchBookmarks),
// checked as upstream's ValidateListOptions does: a 422 Invalid naming ListOptions.meta.k8s.io.
import type { FieldError } from "../kinds/kind.ts";
import { badRequest, invalid } from "../errors.ts";
import { forbidden, notSupported } from "../validation/field-errors.ts";

const NOT_OLDER_THAN = "NotOlderThan";
const EXACT = "Exact";

/** What a list or watch request asks beyond selectors: undefined sendInitialEvents keeps the classic watch. */
export type ListOptions = { sendInitialEvents?: boolean };

function boolParam(params: URLSearchParams, name: string): boolean | undefined {
  const v = params.get(name);
  if (v === null || v === "") return undefined;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw badRequest(`${name}: Invalid value: "${v}": strconv.ParseBool: parsing "${v}": invalid syntax`);
}

export function listOptions(params: URLSearchParams, watch: boolean): ListOptions {
  const sendInitialEvents = boolParam(params, "sendInitialEvents");
  const bookmarks = boolParam(params, "allowWatchBookmarks") ?? false;
  const match = params.get("resourceVersionMatch") ?? "";
  const resourceVersion = params.get("resourceVersion") ?? "";
  const errors: FieldError[] = [];
  if (watch) {
    if (sendInitialEvents !== undefined && match !== NOT_OLDER_THAN) errors.push(forbidden("resourceVersionMatch", `sendInitialEvents requires setting resourceVersionMatch to ${NOT_OLDER_THAN}`));
    if (match) {
      if (sendInitialEvents === undefined) errors.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
      if (match !== NOT_OLDER_THAN) errors.push(notSupported("resourceVersionMatch", match, [NOT_OLDER_THAN]));
      if (!bookmarks) errors.push(forbidden("allowWatchBookmarks", "allowWatchBookmarks required when resourceVersionMatch is set"));
    }
  } else {
    if (bookmarks) errors.push(forbidden("allowWatchBookmarks", "allowWatchBookmarks is forbidden for list"));
    if (sendInitialEvents !== undefined) errors.push(forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
    if (match) {
      if (!resourceVersion) errors.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"));
      if (params.get("continue")) errors.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
      if (match !== EXACT && match !== NOT_OLDER_THAN) errors.push(notSupported("resourceVersionMatch", match, [EXACT, NOT_OLDER_THAN, ""]));
      if (match === EXACT && resourceVersion === "0") errors.push(forbidden("resourceVersionMatch", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    }
  }
  if (errors.length) throw invalid("ListOptions", "meta.k8s.io", "", errors);
  return { sendInitialEvents: watch ? sendInitialEvents : undefined };
}
