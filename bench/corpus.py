"""Generate a realistic GitOps repository for benchmarks: thousands of VM manifests, ~100 NADs, two commits.

Layout (per namespace `team-NN`): `apps/team-NN/vms/<vm>.yaml` (some files also carry a Service or a
ConfigMap, some hold two VMs), `apps/team-NN/nads/<nad>.yaml`. Every VM has a pod network and 1-3 multus
networks on NADs of its namespace. The second commit swaps the NAD of exactly `--changed` VM files
(default 20): the pull-request case `gitnad check --base HEAD~1 --head HEAD` measures.

With `--overlays N` the repository also holds Kustomize overlays, as GitOps repositories do: a base
`kustomize/base/` of `--overlay-vms` VMs (default 50) and the NADs, and N overlays `kustomize/overlays/env-KK/`,
each with its own `namespace:` and a JSON6902 patch file (`swap.yaml`) moving one VM's second network to another
NAD. `--changed-overlays K` makes the second commit also edit the patch of the first K overlays (default 0: the
change touches plain VM files only, so a check should render nothing).

Written with one `git fast-import` stream (seconds for 10k files), then checked out so the working tree
can be scanned too. Deterministic for a given seed.

    .venv/bin/python bench/corpus.py [--files 10000] [--out bench/.corpus] [--changed 20] [--seed 7]
                                     [--overlays 0] [--overlay-vms 50] [--changed-overlays 0]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

NAMESPACES = 10
NADS_PER_NAMESPACE = 10
DEFAULT_OUT = Path(__file__).resolve().parent / ".corpus"
EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z: fixed timestamps keep commit shas stable
OS_SOURCES = ("fedora", "centos-stream9", "rhel9")
BINDINGS = ("bridge", "bridge", "bridge", "sriov")


@dataclass(frozen=True)
class VMSpec:
    namespace: str
    name: str
    nads: tuple[str, ...]
    """NAD of each multus network net1..netN."""
    cpu: int
    memory_gi: int
    os_source: str
    binding: str
    run_strategy: str


def nad_name(i: int) -> str:
    return f"vlan-{100 + i}"


def nad_yaml(namespace: str, i: int) -> str:
    name = nad_name(i)
    config = {"cniVersion": "0.3.1", "name": name, "type": "bridge", "bridge": f"br-{i % 4}", "vlan": 100 + i}
    return (
        "apiVersion: k8s.cni.cncf.io/v1\n"
        "kind: NetworkAttachmentDefinition\n"
        "metadata:\n"
        f"  name: {name}\n"
        f"  namespace: {namespace}\n"
        "  annotations:\n"
        '    argocd.argoproj.io/sync-wave: "-1"\n'
        "spec:\n"
        f"  config: '{json.dumps(config)}'\n"
    )


def _mac(name: str) -> str:
    n = int(name.rsplit("-", 1)[1])
    return f"02:00:00:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x}"


def _interfaces(vm: VMSpec) -> str:
    out = ["          interfaces:\n", "          - name: default\n", "            masquerade: {}\n"]
    for n in range(len(vm.nads)):
        out.append(f"          - name: net{n + 1}\n            {vm.binding}: {{}}\n")
        if n == 0:
            out.append(f"            macAddress: {_mac(vm.name)}\n")
    return "".join(out)


def _networks(vm: VMSpec) -> str:
    out = ["      networks:\n", "      - name: default\n", "        pod: {}\n"]
    for n, nad in enumerate(vm.nads):
        out.append(f"      - name: net{n + 1}\n        multus:\n          networkName: {nad}\n")
    return "".join(out)


def vm_yaml(vm: VMSpec) -> str:
    return (
        "apiVersion: kubevirt.io/v1\n"
        "kind: VirtualMachine\n"
        "metadata:\n"
        f"  name: {vm.name}\n"
        f"  namespace: {vm.namespace}\n"
        "  labels:\n"
        f"    app.kubernetes.io/name: {vm.name}\n"
        f"    app.kubernetes.io/part-of: {vm.namespace}\n"
        "    tier: backend\n"
        "  annotations:\n"
        '    argocd.argoproj.io/sync-wave: "0"\n'
        "spec:\n"
        f"  runStrategy: {vm.run_strategy}\n"
        "  dataVolumeTemplates:\n"
        "  - metadata:\n"
        f"      name: {vm.name}-root\n"
        "    spec:\n"
        "      storage:\n"
        "        resources:\n"
        "          requests:\n"
        "            storage: 30Gi\n"
        "      sourceRef:\n"
        "        kind: DataSource\n"
        f"        name: {vm.os_source}\n"
        "        namespace: openshift-virtualization-os-images\n"
        "  template:\n"
        "    metadata:\n"
        "      labels:\n"
        f"        kubevirt.io/domain: {vm.name}\n"
        "    spec:\n"
        "      evictionStrategy: LiveMigrate\n"
        "      terminationGracePeriodSeconds: 180\n"
        "      domain:\n"
        "        cpu:\n"
        f"          cores: {vm.cpu}\n"
        "          sockets: 1\n"
        "        memory:\n"
        f"          guest: {vm.memory_gi}Gi\n"
        "        resources:\n"
        "          requests:\n"
        f"            memory: {vm.memory_gi}Gi\n"
        "        devices:\n"
        "          disks:\n"
        "          - name: rootdisk\n"
        "            disk:\n"
        "              bus: virtio\n"
        "          - name: cloudinitdisk\n"
        "            disk:\n"
        "              bus: virtio\n"
        f"{_interfaces(vm)}"
        "        machine:\n"
        "          type: pc-q35-rhel9.4.0\n"
        f"{_networks(vm)}"
        "      volumes:\n"
        "      - name: rootdisk\n"
        "        dataVolume:\n"
        f"          name: {vm.name}-root\n"
        "      - name: cloudinitdisk\n"
        "        cloudInitNoCloud:\n"
        "          userData: |\n"
        "            #cloud-config\n"
        "            user: fedora\n"
        "            ssh_authorized_keys:\n"
        "            - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGitnadBenchmarkKeyOnlyForSyntheticData ops@example\n"
        "            runcmd:\n"
        f"            - [hostnamectl, set-hostname, {vm.name}]\n"
        "            - [systemctl, enable, --now, qemu-guest-agent]\n"
    )


def extra_doc(vm: VMSpec, i: int) -> str:
    if i % 2:
        return (
            "apiVersion: v1\nkind: Service\nmetadata:\n"
            f"  name: {vm.name}-ssh\n  namespace: {vm.namespace}\n"
            "spec:\n  type: ClusterIP\n  selector:\n"
            f"    kubevirt.io/domain: {vm.name}\n"
            "  ports:\n  - name: ssh\n    port: 22\n    targetPort: 22\n"
        )
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
        f"  name: {vm.name}-env\n  namespace: {vm.namespace}\n"
        "data:\n  ROLE: backend\n  LOG_LEVEL: info\n"
    )


def make_vms(count: int, rng: random.Random) -> list[VMSpec]:
    vms = []
    for i in range(count):
        ns = f"team-{i % NAMESPACES:02d}"
        nads = tuple(nad_name(rng.randrange(NADS_PER_NAMESPACE)) for _ in range(rng.choice((1, 1, 2, 3))))
        vms.append(
            VMSpec(
                namespace=ns,
                name=f"vm-{i:05d}",
                nads=nads,
                cpu=rng.choice((2, 4, 8)),
                memory_gi=rng.choice((4, 8, 16)),
                os_source=rng.choice(OS_SOURCES),
                binding=rng.choice(BINDINGS),
                run_strategy=rng.choice(("Always", "Always", "Always", "Halted")),
            )
        )
    return vms


def vm_file(vms: list[VMSpec], i: int) -> tuple[str, str]:
    """(path, content) of the file of VM `i`; every 10th also carries a Service or ConfigMap."""
    vm = vms[i]
    docs = [vm_yaml(vm)]
    if i % 10 == 3:
        docs.append(extra_doc(vm, i))
    return f"apps/{vm.namespace}/vms/{vm.name}.yaml", "---\n".join(docs)


def files_at_base(vms: list[VMSpec], vm_files: int) -> dict[str, str]:
    """NAD files, `vm_files` VM files (file k with k % 50 == 7 also holds the next VM), a README."""
    files = {
        f"apps/team-{n:02d}/nads/{nad_name(i)}.yaml": nad_yaml(f"team-{n:02d}", i)
        for n in range(NAMESPACES)
        for i in range(NADS_PER_NAMESPACE)
    }
    i = 0
    for k in range(vm_files):
        path, text = vm_file(vms, i)
        if k % 50 == 7:
            text += "---\n" + vm_yaml(vms[i + 1])
            i += 1
        files[path] = text
        i += 1
    files["README.md"] = "# synthetic GitOps repository for gitnad benchmarks\n"
    return files


def swap(vm: VMSpec) -> VMSpec:
    """The same VM with its first network moved to the next NAD of its namespace."""
    current = int(vm.nads[0].rsplit("-", 1)[1]) - 100
    return VMSpec(**{**vm.__dict__, "nads": (nad_name((current + 1) % NADS_PER_NAMESPACE), *vm.nads[1:])})


def changed_files(vms: list[VMSpec], base: dict[str, str], changed: int, rng: random.Random) -> dict[str, str]:
    """`changed` single-VM files whose first network swaps NAD."""
    paths = {i: f"apps/{vm.namespace}/vms/{vm.name}.yaml" for i, vm in enumerate(vms)}
    singles = [i for i, p in paths.items() if base.get(p, "").count("kind: VirtualMachine\n") == 1]
    picked = sorted(rng.sample(singles, changed))
    out = {}
    for i in picked:
        moved = list(vms)
        moved[i] = swap(vms[i])
        path, text = vm_file(moved, i)
        out[path] = text
    return out


def overlay_name(k: int) -> str:
    return f"env-{k:02d}"


def swap_patch(target: str) -> str:
    """A JSON6902 patch file moving the second network (the first multus one) to `target`."""
    return f"- op: replace\n  path: /spec/template/spec/networks/1/multus/networkName\n  value: {target}\n"


def overlay_files(count: int, base_vms: list[VMSpec]) -> dict[str, str]:
    """A kustomize base (VMs and NADs) and `count` overlays, each in its own namespace with one patch file."""
    names = [f"{vm.name}.yaml" for vm in base_vms]
    files = {f"kustomize/base/{n}": vm_yaml(vm) for n, vm in zip(names, base_vms, strict=True)}
    files["kustomize/base/nads.yaml"] = "---\n".join(nad_yaml("base", i) for i in range(NADS_PER_NAMESPACE))
    resources = "".join(f"  - {n}\n" for n in [*names, "nads.yaml"])
    files["kustomize/base/kustomization.yaml"] = f"kind: Kustomization\nresources:\n{resources}"
    for k in range(count):
        vm = base_vms[k % len(base_vms)]
        where = f"kustomize/overlays/{overlay_name(k)}"
        files[f"{where}/kustomization.yaml"] = (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            f"namespace: {overlay_name(k)}\nresources:\n  - ../../base\n"
            f"patches:\n  - path: swap.yaml\n    target:\n      kind: VirtualMachine\n      name: {vm.name}\n"
        )
        files[f"{where}/swap.yaml"] = swap_patch(nad_name(k % NADS_PER_NAMESPACE))
    return files


def changed_overlays(count: int) -> dict[str, str]:
    """The patches of the first `count` overlays, moving their VM to the next NAD."""
    return {
        f"kustomize/overlays/{overlay_name(k)}/swap.yaml": swap_patch(nad_name((k + 1) % NADS_PER_NAMESPACE))
        for k in range(count)
    }


def _blob(data: bytes) -> bytes:
    return b"data %d\n" % len(data) + data + b"\n"


def _commit(files: dict[str, str], message: str, when: int) -> bytes:
    """A fast-import commit on main; a later commit in the same stream continues from the previous one."""
    out = [b"commit refs/heads/main\n"]
    out.append(b"author gitnad bench <bench@gitnad.invalid> %d +0000\n" % when)
    out.append(b"committer gitnad bench <bench@gitnad.invalid> %d +0000\n" % when)
    out.append(_blob(message.encode()))
    for path, text in sorted(files.items()):
        out.append(b"M 100644 inline " + path.encode() + b"\n" + _blob(text.encode()))
    out.append(b"\n")
    return b"".join(out)


def write_repo(out: Path, base: dict[str, str], head: dict[str, str]) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    git = ["git", "-C", str(out)]
    subprocess.run([*git, "init", "-q", "--initial-branch=main"], check=True)
    stream = _commit(base, "base: the fleet", EPOCH) + _commit(head, f"move {len(head)} VMs to new VLANs", EPOCH + 60)
    subprocess.run([*git, "fast-import", "--quiet"], input=stream, check=True)
    subprocess.run([*git, "checkout", "-q", "-f", "main"], check=True)


def generate(
    out: Path,
    vm_files: int,
    changed: int,
    seed: int,
    overlays: int = 0,
    overlay_vms: int = 50,
    changed_in_overlays: int = 0,
) -> dict[str, int]:
    rng = random.Random(seed)
    vm_count = vm_files + sum(1 for k in range(vm_files) if k % 50 == 7)
    vms = make_vms(vm_count, rng)
    base = files_at_base(vms, vm_files)
    head = changed_files(vms, base, changed, rng)
    if overlays:  # drawn after the plain corpus: the same seed gives the same plain files with or without overlays
        base_vms = [VMSpec(**{**vm.__dict__, "name": f"k{vm.name}"}) for vm in make_vms(overlay_vms, rng)]
        base |= overlay_files(overlays, base_vms)
        head |= changed_overlays(min(changed_in_overlays, overlays))
    write_repo(out, base, head)
    manifests = [t for p, t in base.items() if p.endswith(".yaml")]
    return {
        "files": len(manifests),
        "bytes": sum(len(t.encode()) for t in manifests),
        "vms": vm_count,
        "nads": NAMESPACES * NADS_PER_NAMESPACE,
        "changed_files": len(head),
        "overlays": overlays,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--files", type=int, default=10_000, help="VM files (every 50th holds a second VM)")
    ap.add_argument("--changed", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--overlays", type=int, default=0, help="Kustomize overlays of one base (default none)")
    ap.add_argument("--overlay-vms", type=int, default=50, help="VMs in the kustomize base")
    ap.add_argument("--changed-overlays", type=int, default=0, help="overlay patches the second commit edits")
    args = ap.parse_args(argv)
    stats = generate(
        args.out, args.files, args.changed, args.seed, args.overlays, args.overlay_vms, args.changed_overlays
    )
    print(json.dumps({"out": str(args.out), **stats}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
