// `skiff kubeconfig create NAME --role view|edit|admin|cluster-admin [--namespace N]
// [--output FILE]`: a credential for a user other than the admin, bound by RBAC to one of
// the default roles (in one namespace with a RoleBinding, cluster-wide otherwise), written
// as a kubeconfig. Run where the admin kubeconfig is (the server machine, like `skiff token`).
import { resolve } from "node:path";
import { resources, type ResourceRef } from "../client/api-client.ts";
import { newUserToken } from "../server/auth/user-tokens.ts";
import { renderKubeconfig } from "../server/pki/kubeconfig.ts";
import { writePrivateFileIfChanged } from "../server/pki/files.ts";
import { adminClient } from "./admin-client.ts";
import { parseFlags, UsageError } from "./flags.ts";

const help = `Usage:
  skiff kubeconfig create NAME --role view|edit|admin|cluster-admin [--namespace N] [--output FILE]
    makes a credential for user NAME, binds it to the role (in namespace N with a RoleBinding,
    cluster-wide with a ClusterRoleBinding when no namespace is given) and writes a kubeconfig
    (to FILE, else to standard output). Revoke it with: kubectl -n kube-system delete secret -l skiff.io/user=NAME
Flags: --data-dir DIR (the server's), --kubeconfig PATH (an admin kubeconfig), --group G (repeatable),
  --server URL (the address the user reaches the API at; the admin kubeconfig's by default)
`;

const ROLES = ["view", "edit", "admin", "cluster-admin"];
const rbac = (plural: string, namespaced: boolean): ResourceRef => ({ group: "rbac.authorization.k8s.io", version: "v1", plural, namespaced });

export async function run(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parseFlags(
      args,
      { "data-dir": { type: "string" }, kubeconfig: { type: "string" }, role: { type: "string" }, namespace: { type: "string", short: "n" }, output: { type: "string", short: "o" }, group: { type: "string", multiple: true }, server: { type: "string" } },
      true,
    );
    const [sub, name, ...extra] = positionals;
    if (values.help || !sub) {
      process.stdout.write(help);
      return values.help ? 0 : 2;
    }
    if (sub !== "create") throw new UsageError(`unknown kubeconfig command "${sub}"`);
    if (!name || extra.length) throw new UsageError("kubeconfig create needs exactly one user NAME");
    if (values.server !== undefined && !/^https:\/\/[^/]+/.test(values.server)) throw new UsageError(`--server must be an https:// URL, got "${values.server}"`);
    if (name.startsWith("system:")) throw new UsageError(`user names starting with "system:" are reserved`);
    const role = values.role;
    if (!role || !ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(", ")}`);
    const namespace = values.namespace;
    const { client, caPem } = adminClient(values["data-dir"], values.kubeconfig);

    // The binding first: a namespace that does not exist stops here, before a credential exists.
    const subject = { apiGroup: "rbac.authorization.k8s.io", kind: "User", name };
    const roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role };
    const bindingName = `skiff:user:${name}:${role}`;
    const ref = namespace ? rbac("rolebindings", true) : rbac("clusterrolebindings", false);
    try {
      await client.create(ref, namespace, { metadata: { name: bindingName, labels: { "app.kubernetes.io/managed-by": "skiff" } }, roleRef, subjects: [subject] });
    } catch (e) {
      // Made before for another credential of the same user: the binding is the same.
      if ((e as { code?: number }).code !== 409) throw e;
    }
    const { token, secret } = newUserToken(name, values.group ?? []);
    await client.create(resources.secrets, "kube-system", secret);
    const kubeconfig = renderKubeconfig({ server: values.server ?? client.server, caPem, token, user: name, namespace });
    if (values.output) {
      writePrivateFileIfChanged(resolve(values.output), kubeconfig);
      process.stderr.write(`kubeconfig for user "${name}" (${role}${namespace ? ` in namespace ${namespace}` : ", cluster-wide"}) written to ${values.output}\n`);
    } else process.stdout.write(kubeconfig);
    return 0;
  } catch (e) {
    process.stderr.write(`skiff kubeconfig: ${(e as Error).message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
