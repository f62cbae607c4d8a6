// Impersonation (`kubectl --as USER --as-group GROUP`), as upstream's filter: the caller must
// have the `impersonate` verb on each thing it asks to be — `users` (or `serviceaccounts` in
// the account's namespace for `system:serviceaccount:NS:NAME`), `groups`, `uids`,
// `userextras/KEY` — and the request is then authorized, and served, as that user.
import type { UserInfo } from "../../api/http/types.ts";
import { badRequest } from "../../api/errors.ts";
import type { Authorizer } from "./authorizer.ts";

const SA_PREFIX = "system:serviceaccount:";

/** The user a request impersonates, or undefined when it asks for no impersonation. Throws 403 when the caller may not. */
export function impersonatedUser(authz: Authorizer, caller: UserInfo, headers: Headers): UserInfo | undefined {
  const name = headers.get("impersonate-user");
  const groupHeader = headers.get("impersonate-group");
  const uid = headers.get("impersonate-uid");
  if (name === null) {
    if (groupHeader !== null || uid !== null) throw badRequest("requested impersonation of groups or a uid without impersonating a user");
    return undefined;
  }
  // Several Impersonate-Group lines arrive joined by ", ".
  const groups = groupHeader === null ? [] : groupHeader.split(", ").filter(Boolean);
  const extra: Record<string, string[]> = {};
  for (const [k, v] of headers) {
    if (!k.startsWith("impersonate-extra-")) continue;
    const key = decodeURIComponent(k.slice("impersonate-extra-".length));
    extra[key] = [...(extra[key] ?? []), ...v.split(", ")];
  }
  const check = (resource: string, subresource: string, namespace: string, target: string) =>
    authz.authorize(caller, { verb: "impersonate", resourceRequest: true, apiGroup: resource === "uids" || resource === "userextras" ? "authentication.k8s.io" : "", apiVersion: "v1", resource, subresource, namespace, name: target, path: "" });

  const result: UserInfo = { name, groups: [...groups] };
  if (name.startsWith(SA_PREFIX) && name.split(":").length === 4) {
    const [, , namespace, account] = name.split(":") as [string, string, string, string];
    check("serviceaccounts", "", namespace, account);
    if (!groupHeader) result.groups.push("system:serviceaccounts", `system:serviceaccounts:${namespace}`);
  } else check("users", "", "", name);
  for (const g of groups) check("groups", "", "", g);
  for (const [key, values] of Object.entries(extra)) for (const v of values) check("userextras", key, "", v);
  if (uid !== null) {
    check("uids", "", "", uid);
    result.uid = uid;
  }
  if (Object.keys(extra).length) result.extra = extra;
  const everyone = name === "system:anonymous" ? "system:unauthenticated" : "system:authenticated";
  if (!result.groups.includes(everyone)) result.groups.push(everyone);
  return result;
}
