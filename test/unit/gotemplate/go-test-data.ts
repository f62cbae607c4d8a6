// The data of Go's text/template exec_test.go (type T and friends), in
// skiff's value model: int → bigint, float64 → number, maps → plain
// objects, structs → class instances whose prototype functions are methods.
import { sprintf } from "../../../src/charts/gotemplate/index.ts";

export class U {
  constructor(public V: string) {}
  TrueFalse(b: boolean): string {
    return b ? "true" : "";
  }
}

/** A struct with a String method (fmt.Stringer). */
export class V {
  constructor(private j: bigint) {}
  String(): string {
    return `<${this.j}>`;
  }
}

/** A struct with an Error method. */
export class W {
  constructor(private k: bigint) {}
  Error(): string {
    return `[${this.k}]`;
  }
}

export class Pair {
  constructor(
    public a: bigint,
    public b: string,
  ) {}
}

export class T {
  True = true;
  I = 17n;
  U16 = 16n;
  X = "x";
  S = "xyz";
  FloatZero = 0;
  U = new U("v");
  V0 = new V(6666n);
  W0 = new W(888n);
  SI = [3n, 4n, 5n];
  SIEmpty: bigint[] = [];
  SB = [true, false];
  AI = [3n, 4n, 5n];
  MSI = { one: 1n, two: 2n, three: 3n };
  MSIone = { one: 1n };
  MSIEmpty = {};
  MXI = { one: 1n };
  SMSI = [
    { one: 1n, two: 2n },
    { eleven: 11n, twelve: 12n },
  ];
  Empty0 = null;
  Empty1 = 3n;
  Empty2 = "empty2";
  Empty3 = [7n, 8n];
  Empty4 = new U("UinEmpty");
  PI = 23n;
  PS = "a string";
  PSI = [21n, 22n, 23n];
  BinaryFunc = (a: string, b: string) => `[${a}=${b}]`;
  VariadicFunc = (...s: string[]) => `<${s.join("+")}>`;
  VariadicFuncInt = (a: bigint, ...s: string[]) => `${a}=<${s.join("+")}>`;
  NilOKFunc = (s: unknown) => s === null;
  ErrFunc = () => "bla";
  PanicFunc = (): string => {
    throw new Error("test panic");
  };

  Method0(): string {
    return "M0";
  }
  Method1(a: bigint): bigint {
    return a;
  }
  Method2(a: bigint, b: string): string {
    return sprintf("Method2: %d %s", a, b);
  }
  Method3(v: unknown): string {
    return sprintf("Method3: %v", v);
  }
  Copy(): T {
    return Object.assign(new T(), this);
  }
  MAdd(a: bigint, b: bigint[]): bigint[] {
    return b.map((x) => x + a);
  }
  MyError(error: boolean): boolean {
    if (error) throw new Error("my error");
    return false;
  }
  GetU(): U {
    return this.U;
  }
}

export const tVal = new T();

/** The FuncMap of Go's testExecute, minus the functions that only test Go's static parameter types. */
export const testFuncs = {
  add: (...args: bigint[]) => args.reduce((s, x) => s + x, 0n),
  die: (): boolean => {
    throw new Error("die");
  },
  echo: (arg: unknown) => arg,
  makemap: (...arg: string[]) => {
    if (arg.length % 2 !== 0) throw new Error("bad makemap");
    const m: Record<string, string> = {};
    for (let i = 0; i < arg.length; i += 2) m[arg[i]!] = arg[i + 1]!;
    return m;
  },
  mapOfThree: () => ({ three: 3n }),
  typeOf: (arg: unknown) => sprintf("%T", arg),
  zeroArgs: () => "zeroArgs",
  twoArgs: (a: string, b: string) => "twoArgs=" + a + b,
};
