// --name-template: the release name is itself a template (with the function map),
// rendered with no data.
import { TemplateSet } from "./gotemplate/index.ts";
import { helmFuncMap } from "./funcs/index.ts";

export function renderReleaseName(tpl: string): string {
  const set = new TemplateSet({ funcs: helmFuncMap(), missingKey: "zero" });
  set.parse("name-template", tpl);
  return set.execute("name-template", null);
}
