// How Go's yaml.v2 (the copy inside sigs.k8s.io/yaml, which Helm's toYaml uses)
// classifies scalars: which strings would read back as something other than a
// string (and so must be quoted), and how numbers are printed.

const resolveMapNonString = new Set([
  "", "~", "null", "Null", "NULL",
  "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
  "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
  ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
  "<<",
]);

const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const base60float = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const timestampLike = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/;

/** Go's strconv.ParseInt(s, 0, 64) / ParseUint acceptance (syntax only, with range check). */
function parsesAsGoInt(s: string): boolean {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return false;
  const body = m[2]!;
  let v: bigint;
  if (/^0[oO]/.test(body)) v = BigInt("0o" + body.slice(2));
  else if (/^0[0-7]+$/.test(body)) v = BigInt("0o" + body.slice(1));
  else v = BigInt(body);
  if (m[1] === "-") return v <= 2n ** 63n;
  return v < 2n ** 64n;
}

/** True when yaml.v2 would resolve the plain scalar `s` to a non-string (or it looks like base-60). */
export function needsQuoting(s: string): boolean {
  if (resolveMapNonString.has(s)) return true;
  const c = s.charCodeAt(0);
  const isDigit = c >= 48 && c <= 57;
  if (s[0] === ".") return goParseFloatOk(s);
  if (isDigit || s[0] === "+" || s[0] === "-") {
    if (timestampLike.test(s)) return true;
    const plain = s.replaceAll("_", "");
    if (parsesAsGoInt(plain)) return true;
    if (yamlStyleFloat.test(plain)) return true;
    if (/^-?0b[01]+$/.test(plain)) return true;
    if (base60float.test(s)) return true;
  }
  return false;
}

// strconv.ParseFloat accepts more than JS Number (e.g. ".5e3", "0x1p-2", "inf"); for a
// leading '.', only decimal forms matter.
function goParseFloatOk(s: string): boolean {
  return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s) || /^\.(inf|Inf|INF|nan|NaN|NAN)$/.test(s);
}

/** strconv.FormatFloat(f, 'g', -1, 64). */
export function formatFloatG(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [mant, expStr] = f.toExponential().split("e") as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) return goExp(mant, exp);
  return String(f);
}

function goExp(mant: string, exp: number): string {
  const sign = exp < 0 ? "-" : "+";
  const abs = Math.abs(exp);
  return `${mant}e${sign}${abs < 10 ? "0" + abs : abs}`;
}

/**
 * How a number prints after Helm's toYaml round trip (json.Marshal, then yaml.v2 reads the
 * JSON back): integral values in int64/uint64 range print as integers, the rest as floats.
 */
export function formatYamlNumber(v: number | bigint): string {
  if (typeof v === "bigint") return v.toString();
  if (Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 64) {
    return BigInt(v).toString();
  }
  const s = formatFloatG(v);
  if (s === "+Inf") return ".inf";
  if (s === "-Inf") return "-.inf";
  if (s === "NaN") return ".nan";
  return s;
}
