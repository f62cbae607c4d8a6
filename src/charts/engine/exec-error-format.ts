// Helm v4's text for a template execution error (pkg/engine reformatExecErrorMsg): each
// template of the failing chain on its own lines — location, `executing "NAME" at <NODE>:`,
// then the message — or, when any link is not a template error, Go's one-line message.
import { WARN_END, WARN_START } from "../funcs/helm-funcs.ts";

type Traceable = { location: string; executed: string; message: string };

const cutChained = (msg: string) => {
  const cut = msg.indexOf(" template:");
  return cut >= 0 ? msg.slice(0, cut) : msg;
};

/** One link of the chain as Helm parses it, or undefined when it is no template error. */
function parseLink(s: string): Traceable | undefined {
  const prefix = "template: ";
  if (!s.startsWith(prefix)) return undefined;
  const rest = s.slice(prefix.length);
  if (rest.startsWith("no template ")) return { location: "", executed: "", message: s };
  const idx = rest.indexOf(": executing ");
  if (idx >= 0) {
    const after = rest.slice(idx + ": executing ".length);
    const endQuote = after.startsWith('"') ? after.indexOf('"', 1) : -1;
    const afterFunc = endQuote > 0 ? after.slice(endQuote + 1) : "";
    const endLoc = afterFunc.startsWith(" at <") ? afterFunc.indexOf(">: ", 5) : -1;
    if (endLoc >= 0) {
      const fn = after.slice(1, endQuote);
      const node = afterFunc.slice(5, endLoc);
      return { location: rest.slice(0, idx), executed: `executing "${fn}" at <${node}>:`, message: cutChained(afterFunc.slice(endLoc + 3)) };
    }
  }
  // Go falls through to the simple form whenever the executing form does not parse.
  const sep = rest.lastIndexOf(": ");
  if (sep < 0) return undefined;
  return { location: rest.slice(0, sep), executed: "", message: cutChained(rest.slice(sep + 2)) };
}

function linkText(t: Traceable): string {
  let out = "";
  if (t.location) out += `${t.location}\n  `;
  if (t.executed) out += `${t.executed}\n    `;
  if (t.message) out += `${t.message}\n`;
  return out;
}

const same = (a: Traceable, b: Traceable) => a.location === b.location && a.executed === b.executed && a.message === b.message;

/** The message Helm v4 prints for an error thrown while executing template `filename`. */
export function execErrorText(filename: string, err: Error): string {
  const msg = err.message;
  const tokens = msg.split(": ");
  if (tokens.length < 3) return `execution error in (${filename}): ${msg}`;
  // required and fail keep the short form, naming only where they were called.
  const rest = tokens.slice(2).join(": ");
  const i = rest.indexOf(WARN_START);
  const j = rest.indexOf(WARN_END, i);
  if (i >= 0 && j > i) return `execution error at (${tokens[1]}): ${rest.slice(i + WARN_START.length, j)}`;
  const links: Traceable[] = [];
  for (let current: unknown = err; current !== undefined && current !== null; current = (current as Error).cause) {
    const link = parseLink(current instanceof Error ? current.message : String(current));
    if (!link) return msg;
    if (!links.length || !same(links[links.length - 1]!, link)) links.push(link);
  }
  return links.map(linkText).join("").trim();
}
