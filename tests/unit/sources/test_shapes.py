"""Fields gitnad reads must have the type the API server requires after YAML resolution: GN001 at the exact line,
never `str(511)`, a default namespace or a silently dropped network."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitnad.sources.scanner import ScanSettings, scan
from gitnad.sources.trees import directory_reader

VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: db-1
  namespace: prod
  labels:
    tier: db
spec:
  running: true
  template:
    metadata:
      labels:
        app: db
    spec:
      domain:
        devices:
          interfaces:
          - name: default
            masquerade: {}
          - name: net1
            binding:
              name: passt
            macAddress: "02:00:00:00:00:01"
      networks:
      - name: default
        pod: {}
      - name: net1
        multus:
          networkName: vlan-10
"""

NAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: vlan-10
  namespace: prod
spec:
  config: '{"type": "bridge"}'
"""

POOL = """\
apiVersion: pool.kubevirt.io/v1alpha1
kind: VirtualMachinePool
metadata:
  name: workers
spec:
  virtualMachineTemplate:
    spec:
      running: true
      template:
        spec:
          networks:
          - name: net1
            multus:
              networkName: vlan-10
"""

# (manifest, the text replaced, its replacement, line, message after "<file>:<line>: ")
WRONG = [
    pytest.param(
        VM,
        "networkName: vlan-10",
        "networkName: 0777",
        29,
        "VirtualMachine db-1: spec.template.spec.networks[1].multus.networkName is not a string "
        "(YAML read it as the integer 511; quote it)",
        id="networkName-octal",
    ),
    pytest.param(
        VM,
        "namespace: prod",
        "namespace: no",
        5,
        "VirtualMachine db-1: metadata.namespace is not a string (YAML read it as the boolean false; quote it)",
        id="namespace-no",
    ),
    pytest.param(
        VM,
        "      - name: net1\n        multus",
        "      - name: on\n        multus",
        27,
        "VirtualMachine db-1: spec.template.spec.networks[1].name is not a string "
        "(YAML read it as the boolean true; quote it)",
        id="network-name-on",
    ),
    pytest.param(
        VM,
        "          - name: net1\n",
        "          - name: 1e3\n",
        20,
        "VirtualMachine db-1: spec.template.spec.domain.devices.interfaces[1].name is not a string "
        "(YAML read it as the number 1000.0; quote it)",
        id="interface-name-float",
    ),
    pytest.param(
        VM,
        "name: passt",
        "name: y",
        22,
        "VirtualMachine db-1: spec.template.spec.domain.devices.interfaces[1].binding.name is not a string "
        "(YAML read it as the boolean true; quote it)",
        id="binding-name-y",
    ),
    pytest.param(
        VM,
        "  name: db-1\n",
        "  name: 12\n",
        4,
        "VirtualMachine: metadata.name is not a string (YAML read it as the integer 12; quote it)",
        id="name-int",
    ),
    pytest.param(
        VM,
        "tier: db",
        "tier: yes",
        7,
        "VirtualMachine db-1: metadata.labels[tier] is not a string (YAML read it as the boolean true; quote it)",
        id="label-bool",
    ),
    pytest.param(
        VM,
        "app: db",
        "app: 10",
        13,
        "VirtualMachine db-1: spec.template.metadata.labels[app] is not a string "
        "(YAML read it as the integer 10; quote it)",
        id="template-label-int",
    ),
    pytest.param(
        VM,
        "running: true",
        'running: "true"',
        9,
        "VirtualMachine db-1: spec.running is not a boolean "
        "(YAML read it as the string 'true'; write true or false, unquoted)",
        id="running-string",
    ),
    pytest.param(
        VM,
        'macAddress: "02:00:00:00:00:01"',
        "macAddress: !!binary AgAAAAAB",
        23,
        "VirtualMachine db-1: spec.template.spec.domain.devices.interfaces[1].macAddress is not a string "
        "(YAML read it as binary data: a !!binary tag; write the plain string)",
        id="mac-binary",
    ),
    pytest.param(
        VM,
        "      - name: default\n        pod: {}\n",
        "      - pod: {}\n",
        25,
        "VirtualMachine db-1: spec.template.spec.networks[0] has no name",
        id="network-without-name",
    ),
    pytest.param(
        VM,
        "      networks:\n      - name: default\n        pod: {}\n      - name: net1\n        multus:\n"
        "          networkName: vlan-10\n",
        "      networks:\n        default: {pod: {}}\n",
        24,
        "VirtualMachine db-1: spec.template.spec.networks is not a list (found a mapping)",
        id="networks-mapping",
    ),
    pytest.param(
        VM,
        "          - name: default\n            masquerade: {}\n",
        "          - default\n",
        18,
        "VirtualMachine db-1: spec.template.spec.domain.devices.interfaces[0] is not a mapping "
        "(found the string 'default')",
        id="interface-scalar",
    ),
    pytest.param(
        NAD,
        "name: vlan-10",
        "name: 0x10",
        4,
        "NetworkAttachmentDefinition: metadata.name is not a string (YAML read it as the integer 16; quote it)",
        id="nad-name-hex",
    ),
    pytest.param(
        POOL,
        "networkName: vlan-10",
        "networkName: [vlan-10]",
        14,
        "VirtualMachinePool workers: spec.virtualMachineTemplate.spec.template.spec.networks[0].multus.networkName "
        "is not a string (found a list)",
        id="pool-networkName-list",
    ),
]


@pytest.mark.parametrize(("manifest", "old", "new", "line", "message"), WRONG)
def test_a_field_of_the_wrong_type_is_gn001_at_its_line(
    tmp_path: Path, manifest: str, old: str, new: str, line: int, message: str
) -> None:
    assert old in manifest
    (tmp_path / "obj.yaml").write_text(manifest.replace(old, new, 1))
    (tmp_path / "ok.yaml").write_text(VM.replace("db-1", "db-2"))
    result = scan(directory_reader(tmp_path), ScanSettings())
    assert [(p.file, p.line, p.message) for p in result.problems] == [("obj.yaml", line, f"obj.yaml:{line}: {message}")]
    assert ([vm.key for vm in result.vms], result.nads) == (["prod/db-2"], ())  # the broken object is not read


@pytest.mark.parametrize("manifest", [VM, NAD, POOL], ids=["vm", "nad", "pool"])
def test_the_well_typed_originals_are_read(tmp_path: Path, manifest: str) -> None:
    (tmp_path / "obj.yaml").write_text(manifest)
    result = scan(directory_reader(tmp_path), ScanSettings())
    assert (result.problems, len(result.vms) + len(result.nads)) == ((), 1)


def test_every_wrong_field_of_one_object_is_reported(tmp_path: Path) -> None:
    text = VM.replace("namespace: prod", "namespace: 5").replace("networkName: vlan-10", "networkName: off")
    (tmp_path / "obj.yaml").write_text(text)
    result = scan(directory_reader(tmp_path), ScanSettings())
    assert [(p.line, p.message.split(": ", 2)[2]) for p in result.problems] == [
        (5, "metadata.namespace is not a string (YAML read it as the integer 5; quote it)"),
        (
            29,
            "spec.template.spec.networks[1].multus.networkName is not a string "
            "(YAML read it as the boolean false; quote it)",
        ),
    ]


def test_mixed_key_types_do_not_crash_the_canonical_form(tmp_path: Path) -> None:
    """`2:`, `on:` and `~:` keys next to string keys (sorting them for JSON would compare int, bool, None, str)."""
    text = VM.replace(
        "            masquerade: {}\n", "            masquerade: {}\n            2: x\n            on: y\n"
    )
    text = text.replace("        pod: {}\n", "        pod: {}\n        ~: z\n")
    (tmp_path / "obj.yaml").write_text(text)
    result = scan(directory_reader(tmp_path), ScanSettings())
    assert (result.problems, [vm.key for vm in result.vms]) == ((), ["prod/db-1"])
