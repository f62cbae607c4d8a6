// The Kubernetes Status a call through @kubernetes/client-node was refused with.

/** Awaits a client call that must fail; its HTTP code and the parsed Status body. */
export async function rejection(p: Promise<unknown>): Promise<{ code: number; status: any }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: number; body: string };
    return { code: err.code, status: JSON.parse(err.body) };
  }
  throw new Error("the call succeeded");
}
