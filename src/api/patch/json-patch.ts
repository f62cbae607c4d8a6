// JSON patch (RFC 6902), the body of `kubectl rollout undo` and of many controllers.
import { applyPatch, type Operation } from "fast-json-patch";
import { PatchError } from "./errors.ts";
import { deepClone, isObj, type Obj } from "./values.ts";

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/**
 * Apply an RFC 6902 operation list. A malformed list is a 400; an operation that cannot
 * apply to this object (missing path, failed `test`) is a 422, as upstream answers.
 */
export function applyJsonPatch(original: Obj, ops: unknown): Obj {
  const operations = checkOperations(ops);
  let result: unknown;
  try {
    result = applyPatch(deepClone(original), operations, true, true).newDocument;
  } catch (e) {
    const err = e as { name?: string; message?: string; index?: number };
    const at = err.index !== undefined ? ` (operation ${err.index})` : "";
    if (err.name === "TEST_OPERATION_FAILED") throw new PatchError(`testing value ${operations[err.index ?? 0]?.path ?? ""} failed${at}`);
    throw new PatchError(`${err.message ?? String(e)}${at}`);
  }
  if (!isObj(result)) throw new PatchError("the JSON patch must leave an object at the root");
  return result;
}

/** Validate the shape of every operation before touching the document. */
function checkOperations(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) throw new PatchError("a JSON patch must be a JSON array of operations", 400);
  return ops.map((op, i) => {
    const where = `operation ${i}`;
    if (!isObj(op)) throw new PatchError(`${where} is not an object`, 400);
    if (typeof op.op !== "string" || !OPS.has(op.op)) throw new PatchError(`${where}: unexpected kind of operation ${JSON.stringify(op.op ?? null)}`, 400);
    if (typeof op.path !== "string") throw new PatchError(`${where}: missing "path"`, 400);
    checkPointer(op.path, where);
    if ((op.op === "add" || op.op === "replace" || op.op === "test") && !("value" in op)) throw new PatchError(`${where}: missing "value"`, 400);
    if (op.op === "move" || op.op === "copy") {
      if (typeof op.from !== "string") throw new PatchError(`${where}: missing "from"`, 400);
      checkPointer(op.from, where);
      // RFC 6902 §4.4: a location cannot be moved into one of its own children.
      if (op.op === "move" && op.path.startsWith(op.from + "/")) throw new PatchError(`${where}: cannot move ${op.from} into its own child ${op.path}`);
    }
    return deepClone(op) as unknown as Operation;
  });
}

function checkPointer(p: string, where: string) {
  if (p !== "" && !p.startsWith("/")) throw new PatchError(`${where}: the path ${JSON.stringify(p)} is not a JSON pointer`, 400);
  if (/~[^01]|~$/.test(p)) throw new PatchError(`${where}: the path ${JSON.stringify(p)} has an invalid ~ escape`, 400);
}
