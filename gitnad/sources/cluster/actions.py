"""Cluster writes for `gitnad reconcile --apply`: create a VirtualMachineInstanceMigration, restart a VM.

Exactly what the reconcile RBAC grants: `create` on `virtualmachineinstancemigrations.kubevirt.io` and
`update` on `virtualmachines/restart` in `subresources.kubevirt.io` (served by KubeVirt's virt-api through
API aggregation). Writes are sent once, never retried here; a migration has the name the plan chose, so a
create that another run made first answers 409 AlreadyExists (`Written.EXISTS`) instead of doubling it. A write
whose answer was lost (connection dropped, timeout) is reported as such: it may have reached the server, and
the next run's read shows whether it did. Errors come back as text for the report, never as exceptions.
"""

from __future__ import annotations

import json
from typing import Any

from gitnad.config import ClusterSettings
from gitnad.errors import redact
from gitnad.models.results import Written
from gitnad.sources.cluster import credentials, kinds
from gitnad.sources.cluster.live import api_client, io_error

SUBRESOURCES_GROUP = "subresources.kubevirt.io"
SUBRESOURCES_VERSION = "v1"
CONFLICT = 409
LOST = "it may have reached the API server; the next run reads whether it did"


def migration_body(
    namespace: str, vmi: str, name: str, labels: dict[str, str], annotations: dict[str, str]
) -> dict[str, Any]:
    return {
        "apiVersion": kinds.MIGRATIONS.api_version,
        "kind": kinds.MIGRATIONS.kind,
        "metadata": {
            "name": name,
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
        self, namespace: str, vmi: str, name: str, labels: dict[str, str], annotations: dict[str, str]
    ) -> tuple[Written, str]:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        body = migration_body(namespace, vmi, name, labels, annotations)
        r = kinds.MIGRATIONS
        what = f"create {r.name} {name} in {namespace} for VMI {vmi}"
        self.requests += 1
        try:
            client.CustomObjectsApi(self.api).create_namespaced_custom_object(
                r.group, r.version, namespace, r.plural, body, _request_timeout=self.settings.request_timeout_s
            )
        except ApiException as e:
            if e.status == CONFLICT and _reason(e) == "AlreadyExists":
                return Written.EXISTS, name
            return Written.FAILED, redact(f"{what}: {_error(e)}")
        except (HTTPError, OSError) as e:
            return Written.FAILED, redact(f"{what}: no answer ({io_error(e, self.server)}): {LOST}")
        return Written.CREATED, name

    def restart_vm(self, namespace: str, name: str) -> tuple[bool, str]:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

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
            return False, redact(f"PUT {path}: {_error(e)}{hint}")
        except (HTTPError, OSError) as e:
            return False, redact(f"PUT {path}: no answer ({io_error(e, self.server)}): {LOST}")
        return True, "restart requested"

    @property
    def server(self) -> str:
        return credentials.safe_url(str(self.api.configuration.host))


def _reason(e: Any) -> str | None:
    """The `reason` of the Kubernetes Status in an error answer (AlreadyExists, Conflict, ...)."""
    try:
        body = json.loads(e.body or "{}")
    except (TypeError, ValueError):
        return None
    reason = body.get("reason") if isinstance(body, dict) else None
    return reason if isinstance(reason, str) else None


def _error(e: Any) -> str:
    status = f"{e.status} {e.reason}".strip()
    try:
        body = json.loads(e.body or "{}")
    except (TypeError, ValueError):
        return status
    message = body.get("message") if isinstance(body, dict) else None
    return f"{status}: {message}" if message else status
