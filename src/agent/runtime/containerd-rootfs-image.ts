// `ctr images import` takes image archives only; podman also imports a plain root-filesystem
// tar under a name (`skiff images import --name REF rootfs.tar`). For containerd the tar is
// wrapped into a one-layer OCI image archive: the tar itself is the layer (uncompressed, so
// its digest is its diff ID), with a config and a manifest written beside it, as `podman
// import` makes an image of one layer with no command of its own.
import { mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawnTool } from "../network/spawn-tool.ts";

async function sha256File(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

/** The OCI archive's path; `done()` removes it. `reference` must be containerd's full name. */
export async function ociArchiveFromRootfs(rootfsTar: string, reference: string): Promise<{ archive: string; done: () => void }> {
  const work = mkdtempSync(join(tmpdir(), "skiff-rootfs-image-"));
  try {
    const blobs = join(work, "layout", "blobs", "sha256");
    mkdirSync(blobs, { recursive: true });
    const blob = (text: string) => {
      const hex = new Bun.CryptoHasher("sha256").update(text).digest("hex");
      writeFileSync(join(blobs, hex), text);
      return { digest: `sha256:${hex}`, size: Buffer.byteLength(text) };
    };
    const layerHex = await sha256File(rootfsTar);
    // Linked, not copied: tar -h stores the file's content under the blob's name.
    symlinkSync(resolve(rootfsTar), join(blobs, layerHex));
    const layer = { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: `sha256:${layerHex}`, size: statSync(rootfsTar).size };
    const config = blob(
      JSON.stringify({
        architecture: process.arch === "arm64" ? "arm64" : "amd64",
        os: "linux",
        created: new Date().toISOString(),
        config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
        rootfs: { type: "layers", diff_ids: [layer.digest] },
        history: [{ created_by: "skiff images import" }],
      }),
    );
    const manifest = blob(
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config }, layers: [layer] }),
    );
    const tag = /:([^/:@]+)$/.exec(reference)?.[1] ?? "latest";
    writeFileSync(
      join(work, "layout", "index.json"),
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest, annotations: { "io.containerd.image.name": reference, "org.opencontainers.image.ref.name": tag } }] }),
    );
    writeFileSync(join(work, "layout", "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    const archive = join(work, "image.tar");
    await spawnTool(undefined, ["tar", "-chf", archive, "-C", join(work, "layout"), "oci-layout", "index.json", "blobs"]);
    return { archive, done: () => rmSync(work, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
}
