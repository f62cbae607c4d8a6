// The function map templates see: sprig's TxtFuncMap without env/expandenv, then
// Helm's additions on top (include and tpl are bound by the renderer).
import { stringFuncs } from "./sprig-strings.ts";
import { collectionFuncs } from "./sprig-collections.ts";
import { mathFuncs } from "./sprig-math.ts";
import { miscFuncs, regexFuncs } from "./sprig-misc.ts";
import { dateFuncs } from "./sprig-dates.ts";
import { helmFuncs } from "./helm-funcs.ts";

export type FuncMap = Record<string, (...args: any[]) => unknown>;

export function sprigFuncMap(): FuncMap {
  return { ...stringFuncs, ...collectionFuncs, ...mathFuncs, ...miscFuncs, ...regexFuncs, ...dateFuncs };
}

/** sprig + Helm's functions (without include/tpl, which need a template set). */
export function helmFuncMap(): FuncMap {
  return { ...sprigFuncMap(), ...helmFuncs };
}
