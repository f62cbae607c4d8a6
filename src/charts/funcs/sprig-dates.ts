// sprig's date functions with Go's reference-time layouts ("2006-01-02 15:04:05").
import { strval, toInt64 } from "./go-values.ts";

type F = (...args: any[]) => unknown;

/** A Go time.Time stand-in: an instant plus the zone it is shown in. */
export class GoTime {
  constructor(readonly ms: number, readonly utc: boolean) {}
  toString() { return formatGoTime(this, "2006-01-02 15:04:05.999999999 -0700 MST"); }
  Unix() { return BigInt(Math.floor(this.ms / 1000)); }
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function parts(t: GoTime) {
  const d = new Date(t.ms);
  const off = t.utc ? 0 : -d.getTimezoneOffset();
  const l = new Date(t.ms + off * 60000);
  return { Y: l.getUTCFullYear(), M: l.getUTCMonth(), D: l.getUTCDate(), h: l.getUTCHours(), m: l.getUTCMinutes(), s: l.getUTCSeconds(), ms: l.getUTCMilliseconds(), wd: l.getUTCDay(), off };
}

const TOKENS = ["January", "Jan", "Monday", "Mon", "MST", "2006", "-07:00:00", "-07:00", "-0700", "-07", "Z07:00", "Z0700", "Z07", "01", "02", "_2", "15", "03", "04", "05", "06", "PM", "pm", ".000000000", ".000000", ".000", ".999999999", ".999999", ".999", "1", "2", "3", "4", "5"];

export function formatGoTime(t: GoTime, layout: string): string {
  const p = parts(t);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const offStr = (sep: string, z: boolean) => {
    if (z && p.off === 0) return "Z";
    const a = Math.abs(p.off);
    return (p.off < 0 ? "-" : "+") + pad(Math.floor(a / 60)) + sep + pad(a % 60);
  };
  let out = "";
  for (let i = 0; i < layout.length;) {
    const tok = TOKENS.find((k) => layout.startsWith(k, i));
    if (!tok) { out += layout[i++]; continue; }
    i += tok.length;
    switch (tok) {
      case "January": out += MONTHS[p.M]; break;
      case "Jan": out += MONTHS[p.M]!.slice(0, 3); break;
      case "Monday": out += DAYS[p.wd]; break;
      case "Mon": out += DAYS[p.wd]!.slice(0, 3); break;
      case "MST": out += t.utc || p.off === 0 ? "UTC" : offStr("", false).slice(0, 3); break;
      case "2006": out += pad(p.Y, 4); break;
      case "06": out += pad(p.Y % 100); break;
      case "01": out += pad(p.M + 1); break;
      case "1": out += String(p.M + 1); break;
      case "02": out += pad(p.D); break;
      case "_2": out += String(p.D).padStart(2, " "); break;
      case "2": out += String(p.D); break;
      case "15": out += pad(p.h); break;
      case "03": out += pad(p.h % 12 || 12); break;
      case "3": out += String(p.h % 12 || 12); break;
      case "04": out += pad(p.m); break;
      case "4": out += String(p.m); break;
      case "05": out += pad(p.s); break;
      case "5": out += String(p.s); break;
      case "PM": out += p.h >= 12 ? "PM" : "AM"; break;
      case "pm": out += p.h >= 12 ? "pm" : "am"; break;
      case "-07:00:00": out += offStr(":", false) + ":00"; break;
      case "-07:00": out += offStr(":", false); break;
      case "-0700": out += offStr("", false); break;
      case "-07": out += offStr("", false).slice(0, 3); break;
      case "Z07:00": out += offStr(":", true); break;
      case "Z0700": out += offStr("", true); break;
      case "Z07": out += offStr("", true).slice(0, 3); break;
      case ".000": out += "." + pad(p.ms, 3); break;
      case ".000000": out += "." + pad(p.ms, 3) + "000"; break;
      case ".000000000": out += "." + pad(p.ms, 3) + "000000"; break;
      default: { // .999…: trailing zeros trimmed
        const f = pad(p.ms, 3).replace(/0+$/, "");
        out += f ? "." + f : "";
      }
    }
  }
  return out;
}

function toGoTime(v: unknown): GoTime {
  if (v instanceof GoTime) return v;
  if (typeof v === "bigint" || typeof v === "number") return new GoTime(Number(v) * 1000, false);
  if (v instanceof Date) return new GoTime(v.getTime(), false);
  return new GoTime(Date.now(), false);
}

/** time.ParseDuration. */
export function parseGoDuration(s: string): number {
  const m = /^([-+]?)((?:\d*\.?\d+(?:ns|us|µs|ms|s|m|h))+)$/.exec(s.trim());
  if (!m) throw new Error(`time: invalid duration ${JSON.stringify(s)}`);
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0;
  for (const x of m[2]!.matchAll(/(\d*\.?\d+)(ns|us|µs|ms|s|m|h)/g)) total += Number(x[1]) * unit[x[2]!]!;
  return m[1] === "-" ? -total : total;
}

/** time.Duration.String() from milliseconds. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const neg = ms < 0; let r = Math.abs(ms);
  let out = "";
  if (r < 1000) out = `${r}ms`;
  else {
    const h = Math.floor(r / 3600000); r -= h * 3600000;
    const m = Math.floor(r / 60000); r -= m * 60000;
    const s = r / 1000;
    out = (h ? `${h}h` : "") + (h || m ? `${m}m` : "") + `${Number(s.toFixed(9))}s`;
  }
  return (neg ? "-" : "") + out;
}

export const dateFuncs: Record<string, F> = {
  now: () => new GoTime(Date.now(), false),
  date: (fmt: string, d: unknown) => formatGoTime(toGoTime(d), fmt),
  date_in_zone: (fmt: string, d: unknown, zone: string) => formatGoTime(new GoTime(toGoTime(d).ms, zone === "UTC"), fmt),
  dateInZone: (fmt: string, d: unknown, zone: string) => formatGoTime(new GoTime(toGoTime(d).ms, zone === "UTC"), fmt),
  htmlDate: (d: unknown) => formatGoTime(toGoTime(d), "2006-01-02"),
  htmlDateInZone: (d: unknown, zone: string) => formatGoTime(new GoTime(toGoTime(d).ms, zone === "UTC"), "2006-01-02"),
  unixEpoch: (d: unknown) => String(toGoTime(d).Unix()),
  dateModify: (s: string, d: unknown) => { try { const t = toGoTime(d); return new GoTime(t.ms + parseGoDuration(s), t.utc); } catch { return toGoTime(d); } },
  date_modify: (s: string, d: unknown) => { try { const t = toGoTime(d); return new GoTime(t.ms + parseGoDuration(s), t.utc); } catch { return toGoTime(d); } },
  mustDateModify: (s: string, d: unknown) => { const t = toGoTime(d); return new GoTime(t.ms + parseGoDuration(s), t.utc); },
  must_date_modify: (s: string, d: unknown) => { const t = toGoTime(d); return new GoTime(t.ms + parseGoDuration(s), t.utc); },
  ago: (d: unknown) => formatGoDuration(Math.round((Date.now() - toGoTime(d).ms) / 1000) * 1000),
  duration: (sec: unknown) => formatGoDuration(Number(toInt64(strval(sec))) * 1000),
  durationRound: (v: unknown) => {
    const ms = typeof v === "string" ? parseGoDuration(v) : v instanceof GoTime ? Date.now() - v.ms : Number(toInt64(v)) / 1e6;
    const a = Math.abs(ms), y = 31536000000, mo = 2592000000, d = 86400000;
    if (a > y) return `${Math.floor(a / y)}y`;
    if (a > mo) return `${Math.floor(a / mo)}mo`;
    if (a > d) return `${Math.floor(a / d)}d`;
    if (a > 3600000) return `${Math.floor(a / 3600000)}h`;
    if (a > 60000) return `${Math.floor(a / 60000)}m`;
    if (a > 1000) return `${Math.floor(a / 1000)}s`;
    return "0s";
  },
  toDate: (fmt: string, s: string) => parseGoTime(fmt, s) ?? new GoTime(0, true),
  mustToDate: (fmt: string, s: string) => { const t = parseGoTime(fmt, s); if (!t) throw new Error(`parsing time ${JSON.stringify(s)} as ${JSON.stringify(fmt)}: cannot parse`); return t; },
};

function parseGoTime(layout: string, s: string): GoTime | null {
  // Common layouts only: build a regex from the layout tokens.
  let re = "^", order: string[] = [];
  for (let i = 0; i < layout.length;) {
    const tok = TOKENS.find((k) => layout.startsWith(k, i));
    if (!tok) { re += layout[i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); i++; continue; }
    i += tok.length;
    order.push(tok);
    re += tok === "2006" ? "(\\d{4})" : tok.startsWith(".") ? "(\\.\\d+)?" : tok === "Z07:00" || tok === "-07:00" ? "(Z|[-+]\\d{2}:\\d{2})" : tok === "MST" ? "([A-Z]{3})" : tok === "Jan" || tok === "January" ? "([A-Za-z]+)" : "(\\d{1,2})";
  }
  const m = new RegExp(re + "$").exec(s);
  if (!m) return null;
  const f: Record<string, number> = { Y: 1970, M: 0, D: 1, h: 0, m: 0, s: 0, ms: 0, off: 0 };
  order.forEach((tok, i) => {
    const v = m[i + 1] ?? "";
    if (tok === "2006") f.Y = Number(v);
    else if (tok === "01" || tok === "1") f.M = Number(v) - 1;
    else if (tok === "Jan" || tok === "January") f.M = MONTHS.findIndex((x) => x.startsWith(v));
    else if (tok === "02" || tok === "2" || tok === "_2") f.D = Number(v);
    else if (tok === "15") f.h = Number(v);
    else if (tok === "04") f.m = Number(v);
    else if (tok === "05") f.s = Number(v);
    else if (tok.startsWith(".") && v) f.ms = Math.round(Number(v) * 1000);
    else if ((tok === "Z07:00" || tok === "-07:00") && v !== "Z") f.off = (v[0] === "-" ? -1 : 1) * (Number(v.slice(1, 3)) * 60 + Number(v.slice(4, 6)));
  });
  return new GoTime(Date.UTC(f.Y!, f.M!, f.D!, f.h!, f.m!, f.s!, f.ms!) - f.off! * 60000, true);
}
