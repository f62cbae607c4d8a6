// The kube-api-access volume on the node: token, ca.crt and namespace written with the
// volume's mode; a renewed token replaces the file atomically (a new inode, never a half
// write); with no token at hand the written one stays (offline restart) and a pod without
// one waits (VolumeNotReady) instead of failing, unless the server refused it.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { syncVolumes, VolumeNotReady } from "../../../src/agent/volumes.ts";
import { ContainerConfigError } from "../../../src/agent/env.ts";
import type { ProjectedTokens } from "../../../src/agent/projected-tokens.ts";
import type { Pod } from "../../../src/agent/pod-source.ts";
import { serviceAccountVolume } from "../../../src/server/auth/service-account-admission.ts";

const agentDir = mkdtempSync(join(tmpdir(), "skiff-sa-volume-"));
afterAll(() => rmSync(agentDir, { recursive: true, force: true }));
const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const lookup = (plural: string, ns: string, name: string) => (plural === "configmaps" && ns === "apps" && name === "kube-root-ca.crt" ? { metadata: { name }, data: { "ca.crt": CA } } : undefined);
const pod = { metadata: { name: "p", namespace: "apps", uid: "uid-1" }, spec: { serviceAccountName: "default", containers: [], volumes: [serviceAccountVolume("kube-api-access-abcde")] } } as unknown as Pod;

/** A token source whose answer the test sets. */
function tokens() {
  const state = { token: undefined as string | undefined, failure: undefined as string | undefined, asked: 0 };
  const source = {
    token: (_p: Pod, src: { expirationSeconds?: number; path: string }) => {
      state.asked++;
      expect(src).toEqual({ expirationSeconds: 3607, path: "token" });
      return state.token;
    },
    failure: () => state.failure,
  } as unknown as ProjectedTokens;
  return { state, source };
}

describe("the kube-api-access volume", () => {
  const dir = join(agentDir, "pods", "uid-1", "volumes", "kube-api-access-abcde");

  test("waits for its first token, then holds token, ca.crt and namespace (mode 0644)", () => {
    const t = tokens();
    expect(() => syncVolumes(agentDir, pod, lookup as never, t.source)).toThrow(VolumeNotReady);
    t.state.failure = 'cannot get a token for service account apps/default: serviceaccounts "default" not found';
    const refused = (() => {
      try {
        syncVolumes(agentDir, pod, lookup as never, t.source);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(refused).toBeInstanceOf(ContainerConfigError);
    expect(refused).not.toBeInstanceOf(VolumeNotReady);
    expect(refused!.message).toContain("not found");

    t.state.failure = undefined;
    t.state.token = "first.token.value";
    const paths = syncVolumes(agentDir, pod, lookup as never, t.source);
    expect(paths.get("kube-api-access-abcde")).toBe(dir);
    expect(readFileSync(join(dir, "token"), "utf8")).toBe("first.token.value");
    expect(readFileSync(join(dir, "ca.crt"), "utf8")).toBe(CA);
    expect(readFileSync(join(dir, "namespace"), "utf8")).toBe("apps");
    for (const f of ["token", "ca.crt", "namespace"]) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o644);
  });

  test("a renewed token replaces the file by rename; with none at hand the written one stays", () => {
    const t = tokens();
    t.state.token = "first.token.value";
    syncVolumes(agentDir, pod, lookup as never, t.source);
    const before = statSync(join(dir, "token")).ino;
    t.state.token = "second.token.value";
    syncVolumes(agentDir, pod, lookup as never, t.source);
    expect(readFileSync(join(dir, "token"), "utf8")).toBe("second.token.value");
    expect(statSync(join(dir, "token")).ino).not.toBe(before);
    // Offline after a restart: nothing held, the file already written serves.
    t.state.token = undefined;
    syncVolumes(agentDir, pod, lookup as never, t.source);
    expect(readFileSync(join(dir, "token"), "utf8")).toBe("second.token.value");
    expect(t.state.asked).toBe(3);
  });
});
