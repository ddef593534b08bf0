"""`gitnad scan` through the real CLI: working tree and refs of a real git repository."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gitnad.cli import main
from tests.gitrepo import TempRepo
from tests.vmfactory import Net, nad_yaml, vm_yaml

POD = Net("default", kind="pod", binding="masquerade")
POOL = """apiVersion: pool.kubevirt.io/v1alpha1
kind: VirtualMachinePool
metadata:
  name: cache
  namespace: prod
spec:
  replicas: 2
  selector:
    matchLabels:
      kubevirt.io/vmpool: cache
  virtualMachineTemplate:
    metadata:
      labels:
        kubevirt.io/vmpool: cache
    spec:
      runStrategy: Always
      template:
        metadata:
          labels:
            kubevirt.io/vmpool: cache
        spec:
          domain:
            devices:
              interfaces:
              - name: storage
                sriov: {}
                macAddress: "02:00:00:00:00:07"
          networks:
          - name: storage
            multus:
              networkName: storage/sriov-a
"""


def test_scan_json_contract(tmp_path: Path) -> None:
    repo = TempRepo(tmp_path / "r")
    sha = repo.commit(
        {
            "vms/db.yaml": vm_yaml("db-1", [POD, Net("bridge-net", nad="vlan-10")]),
            "vms/pool.yaml": POOL,
            "nads/n.json": json.dumps(
                {
                    "apiVersion": "k8s.cni.cncf.io/v1",
                    "kind": "List",
                    "items": [
                        {
                            "apiVersion": "k8s.cni.cncf.io/v1",
                            "kind": "NetworkAttachmentDefinition",
                            "metadata": {
                                "name": "vlan-10",
                                "namespace": "prod",
                                "annotations": {"k8s.v1.cni.cncf.io/resourceName": "intel.com/vf"},
                            },
                            "spec": {
                                "config": json.dumps(
                                    {
                                        "cniVersion": "1.0.0",
                                        "name": "x",
                                        "plugins": [{"type": "sriov", "vlanId": 10}, {"type": "tuning"}],
                                    }
                                )
                            },
                        }
                    ],
                },
                indent=1,
            ),
            "other/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
        }
    )
    repo.write({"vms/db.yaml": None})  # working tree differs: --ref must read git objects
    r = CliRunner().invoke(main, ["scan", str(repo.root), "--ref", "HEAD", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["ref"] == sha and doc["command"] == "scan"
    assert doc["vms"] == [
        {
            "kind": "VirtualMachine",
            "namespace": "prod",
            "name": "db-1",
            "file": "vms/db.yaml",
            "line": 4,
            "networks": [
                {"name": "default", "source": "pod", "nad": None, "default": False, "line": 20},
                {"name": "bridge-net", "source": "multus", "nad": "prod/vlan-10", "default": False, "line": 24},
            ],
            "interfaces": [
                {"name": "default", "binding": "masquerade", "model": None, "mac": None, "state": None, "line": 15},
                {"name": "bridge-net", "binding": "bridge", "model": None, "mac": None, "state": None, "line": 17},
            ],
        },
        {
            "kind": "VirtualMachinePool",
            "namespace": "prod",
            "name": "cache",
            "file": "vms/pool.yaml",
            "line": 4,
            "networks": [
                {"name": "storage", "source": "multus", "nad": "storage/sriov-a", "default": False, "line": 31}
            ],
            "interfaces": [
                {
                    "name": "storage",
                    "binding": "sriov",
                    "model": None,
                    "mac": "02:00:00:00:00:07",
                    "state": None,
                    "line": 25,
                }
            ],
        },
    ]
    assert doc["nads"] == [
        {
            "namespace": "prod",
            "name": "vlan-10",
            "cni_type": "sriov",
            "vlan": 10,
            "resource_name": "intel.com/vf",
            "file": "nads/n.json",
            "line": 9,
        }
    ]
    assert doc["findings"] == []


def test_scan_working_tree_reports_gn001_and_gn101(tmp_path: Path) -> None:
    repo = TempRepo(tmp_path / "r")
    repo.commit(
        {
            "vms/a.yaml": vm_yaml("a", [POD, Net("net1", nad="x/y/z")]),
            "vms/b.yaml": "kind: VirtualMachine\nkey: [unclosed\n",
            "vms/c.yaml": "key: [unclosed\n",
            "nads/v.yaml": nad_yaml("v"),
        }
    )
    r = CliRunner().invoke(main, ["scan", str(repo.root), "--format", "json"])
    assert r.exit_code == 1
    doc = json.loads(r.output)
    assert sorted((f["code"], f["file"], f["line"]) for f in doc["findings"]) == [
        ("GN001", "vms/b.yaml", 2),
        ("GN101", "vms/a.yaml", 24),
    ]
    assert doc["warnings"] == [
        "vms/c.yaml:1: skipped, YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence); "
        "it names no VirtualMachine, VirtualMachinePool or NetworkAttachmentDefinition, so it is not read as a manifest"
    ]
    assert [v["name"] for v in doc["vms"]] == ["a"]
