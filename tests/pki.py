"""A throwaway certificate authority for tests: the kube-apiserver trusts it (`--client-ca-file`), and it signs
client certificates whose subject is the Kubernetes identity (CN = user, O = groups), as kubeadm's are.

Keys are EC P-256 (fast to make); every PEM is written under the directory given, nothing else is kept.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID = datetime.timedelta(days=2)


@dataclass(frozen=True)
class ClientCert:
    """A client certificate and its key, as PEM text (what a kubeconfig embeds base64-encoded)."""

    cert_pem: str
    key_pem: str

    @property
    def cert_data(self) -> str:
        """`client-certificate-data` of a kubeconfig."""
        return base64.b64encode(self.cert_pem.encode()).decode()

    @property
    def key_data(self) -> str:
        """`client-key-data` of a kubeconfig."""
        return base64.b64encode(self.key_pem.encode()).decode()

    @property
    def key_body(self) -> str:
        """The base64 body of the key PEM (no armour lines, one string): what must never leak, in any wrapping."""
        lines = self.key_pem.strip().splitlines()
        return "".join(lines[1:-1])


def _name(cn: str, orgs: Sequence[str] = ()) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    attrs += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    return x509.Name(attrs)


def _pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class Authority:
    """A self-signed CA; `ca_file` goes to kube-apiserver's `--client-ca-file`."""

    def __init__(self, directory: Path, name: str = "gitnad-test-client-ca") -> None:
        now = datetime.datetime.now(datetime.UTC)
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._name = _name(name)
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(self._name)
            .issuer_name(self._name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + VALID)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        directory.mkdir(parents=True, exist_ok=True)
        self.ca_file = directory / f"{name}.crt"
        self.ca_file.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, user: str, groups: Sequence[str] = ()) -> ClientCert:
        """A client certificate for `user` in `groups`, signed by this CA."""
        now = datetime.datetime.now(datetime.UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(user, groups))
            .issuer_name(self._name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + VALID)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        return ClientCert(cert.public_bytes(serialization.Encoding.PEM).decode(), _pem(key))
