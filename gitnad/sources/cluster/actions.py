"""Cluster writes for `gitnad reconcile --apply`: create a VirtualMachineInstanceMigration, restart a VM.

Exactly what the reconcile RBAC grants: `create` on `virtualmachineinstancemigrations.kubevirt.io` and
`update` on `virtualmachines/restart` in `subresources.kubevirt.io` (served by KubeVirt's virt-api through
API aggregation). Writes are sent once, never retried: a retried create could duplicate a migration.
Errors come back as text for the report, never as exceptions.
"""

from __future__ import annotations

import json
from typing import Any

from gitnad.config import ClusterSettings
from gitnad.sources.cluster import kinds
from gitnad.sources.cluster.live import api_client

SUBRESOURCES_GROUP = "subresources.kubevirt.io"
SUBRESOURCES_VERSION = "v1"
GENERATE_PREFIX = "gitnad-"
MAX_GENERATE_NAME = 58
"""The API server appends 5 random characters; names stay within 63."""


def migration_body(namespace: str, vmi: str, labels: dict[str, str], annotations: dict[str, str]) -> dict[str, Any]:
    prefix = f"{GENERATE_PREFIX}{vmi}"[: MAX_GENERATE_NAME - 1].rstrip("-.") + "-"
    return {
        "apiVersion": kinds.MIGRATIONS.api_version,
        "kind": kinds.MIGRATIONS.kind,
        "metadata": {
            "generateName": prefix,
            "namespace": namespace,
            "labels": {**labels, "kubevirt.io/vmi-name": vmi},
            "annotations": dict(annotations),
        },
        "spec": {"vmiName": vmi},
    }


def restart_path(namespace: str, name: str) -> str:
    return f"/apis/{SUBRESOURCES_GROUP}/{SUBRESOURCES_VERSION}/namespaces/{namespace}/virtualmachines/{name}/restart"


class ClusterActions:
    """Implements `gitnad.reconcile.apply.Executor` against the API server; counts requests."""

    def __init__(self, settings: ClusterSettings, api: Any | None = None) -> None:
        self.settings = settings
        self.api = api if api is not None else api_client(settings)
        self.requests = 0

    def create_migration(
        self, namespace: str, vmi: str, labels: dict[str, str], annotations: dict[str, str]
    ) -> tuple[bool, str]:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        body = migration_body(namespace, vmi, labels, annotations)
        r = kinds.MIGRATIONS
        self.requests += 1
        try:
            created = client.CustomObjectsApi(self.api).create_namespaced_custom_object(
                r.group, r.version, namespace, r.plural, body, _request_timeout=self.settings.request_timeout_s
            )
        except ApiException as e:
            return False, f"create {r.name} in {namespace} for VMI {vmi}: {_error(e)}"
        except OSError as e:
            return False, f"create {r.name} in {namespace} for VMI {vmi}: {e}"
        meta = created.get("metadata") if isinstance(created, dict) else None
        return True, str((meta or {}).get("name") or body["metadata"]["generateName"])

    def restart_vm(self, namespace: str, name: str) -> tuple[bool, str]:
        from kubernetes.client.exceptions import ApiException

        path = restart_path(namespace, name)
        self.requests += 1
        try:
            request = self.api.param_serialize(
                method="PUT",
                resource_path=path,
                header_params={"Content-Type": "application/json", "Accept": "application/json"},
                body={},
                auth_settings=["BearerToken"],
            )
            response = self.api.call_api(*request, _request_timeout=self.settings.request_timeout_s)
            response.read()
            self.api.response_deserialize(response, {"2XX": "object"})
        except ApiException as e:
            hint = ""
            if e.status == 404:
                hint = f" ({SUBRESOURCES_GROUP} is not served: is KubeVirt's virt-api running and aggregated?)"
            return False, f"PUT {path}: {_error(e)}{hint}"
        except OSError as e:
            return False, f"PUT {path}: {e}"
        return True, "restart requested"


def _error(e: Any) -> str:
    status = f"{e.status} {e.reason}".strip()
    try:
        body = json.loads(e.body or "{}")
    except (TypeError, ValueError):
        return status
    message = body.get("message") if isinstance(body, dict) else None
    return f"{status}: {message}" if message else status
