"""A real Samba AD DC for the tests: provisioned once into a cached template, run from a copy.

Needs the Debian packages samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules
winbind, and root (the DC listens on the fixed ports 389 and 636 of 127.0.0.1).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import ldap3

REALM = "EXAMPLE.TEST"
BASE_DN = "DC=example,DC=test"
ADMIN = "Administrator@example.test"
ADMIN_PASSWORD = "Samba-Loopback-Only-7"  # a throwaway test domain; no product word in it:
# every configured secret, and any 8 characters of it, is redacted from every message
LDAPS_URL = "ldaps://127.0.0.1:636"
LDAP_URL = "ldap://127.0.0.1:389"
TEMPLATE = Path(tempfile.gettempdir()) / "grouppush-samba-template-2"
TEMPLATE_LOCK = "grouppush-samba-template.lock"
LOCKS = Path(tempfile.gettempdir())
SBIN = ("/usr/sbin", "/usr/bin", "/sbin")


def executable(name: str) -> str | None:
    """The path of a Samba program, also where sbin is not on PATH."""
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN))


def missing_reason() -> str | None:
    """Why a Samba AD DC cannot run here, or None when it can."""
    for program in ("samba-tool", "samba"):
        if executable(program) is None:
            return (f"{program} not found: apt-get install -y samba-ad-dc samba-ad-provision "
                    "samba-dsdb-modules samba-vfs-modules winbind")
    if os.geteuid() != 0:
        return "a Samba AD DC must run as root (it binds 127.0.0.1:389 and :636)"
    return None


@contextmanager
def file_lock(name: str, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock file under the temp dir, waiting at most `timeout` seconds."""
    with open(LOCKS / name, "w") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{LOCKS / name} is held by another test run") from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def template() -> Path:
    """The provisioned domain, made once (~8 s) and reused by later runs (hold TEMPLATE_LOCK)."""
    if (TEMPLATE / "etc" / "smb.conf").exists():
        return TEMPLATE
    work = Path(tempfile.mkdtemp(prefix="grouppush-samba-provision-"))
    done = subprocess.run(
        [str(executable("samba-tool")), "domain", "provision", f"--targetdir={work}",
         f"--realm={REALM}", "--domain=EXAMPLE", "--server-role=dc", "--dns-backend=NONE",
         "--use-rfc2307", f"--adminpass={ADMIN_PASSWORD}", "--host-ip=127.0.0.1",
         "--host-name=dc1", "--option=netbios name=DC1",  # whatever this machine is called
         "--option=interfaces=lo", "--option=bind interfaces only=yes"],
        capture_output=True, text=True, timeout=300,
    )
    if done.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        raise RuntimeError(f"samba-tool domain provision failed:\n{done.stderr[-3000:]}")
    conf = work / "etc" / "smb.conf"
    conf.write_text(conf.read_text().replace(str(work), "@DIR@"))
    shutil.rmtree(TEMPLATE, ignore_errors=True)
    work.rename(TEMPLATE)  # last: a template with an smb.conf is a complete one
    return TEMPLATE


def smb_conf(text: str, directory: Path) -> str:
    """The template's smb.conf for a copy at `directory`, serving LDAP(S) only."""
    text = text.replace("@DIR@", str(directory))
    text = re.sub(r"(?m)^\s*(server services|log file)\s*=.*\n", "", text)
    extra = (f"\tserver services = ldap\n\tlog file = {directory}/samba.log\n"
             f"\tpid directory = {directory}/run\n\tldap server require strong auth = no\n"
             "\tldb:nosync = true\n")  # a throwaway domain: no fsync per change
    return text.replace("[global]\n", "[global]\n" + extra, 1)


def port_open(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class SambaDC:
    """One running DC (ldap service only, single process) on a copy of the template."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="grouppush-samba-"))
        with file_lock(TEMPLATE_LOCK, 300):
            shutil.copytree(template(), self.directory, dirs_exist_ok=True, symlinks=True)
        for sub in ("run", "cache", "private/tls"):
            (self.directory / sub).mkdir(exist_ok=True)
        conf = self.directory / "etc" / "smb.conf"
        conf.write_text(smb_conf(conf.read_text(), self.directory))
        self._held = ExitStack()  # the fixed ports: one DC at a time on this machine
        self._held.enter_context(file_lock("grouppush-samba-ports.lock", 300))
        if port_open(636) or port_open(389):
            self._held.close()
            shutil.rmtree(self.directory, ignore_errors=True)
            raise RuntimeError("something else already listens on 127.0.0.1:389 or :636")
        log = open(self.directory / "samba.out", "w")  # noqa: SIM115 - the ExitStack closes it
        self._held.enter_context(log)
        self.proc = subprocess.Popen(
            [str(executable("samba")), "-s", str(conf), "-i", "-M", "single"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self._wait_ready(60)
        self._keep_tls_keys()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if port_open(636):
                try:
                    self.connection().unbind()
                    return
                except ldap3.core.exceptions.LDAPException:
                    pass
            time.sleep(0.2)
        output = (self.directory / "samba.out").read_text()[-3000:]
        self.stop()
        raise RuntimeError(f"samba did not answer LDAPS on 127.0.0.1:636:\n{output}")

    def _keep_tls_keys(self) -> None:
        """Samba makes its TLS keys at first start (~4 s); the template keeps them for later."""
        with file_lock(TEMPLATE_LOCK, 120):
            kept = TEMPLATE / "private" / "tls"
            if not (kept / "cert.pem").exists():
                kept.mkdir(exist_ok=True)
                for name in ("key.pem", "ca.pem", "cert.pem"):  # cert.pem last: the marker
                    shutil.copy2(self.directory / "private" / "tls" / name, kept / name)

    def connection(self, **options: Any) -> ldap3.Connection:
        """A bound LDAPS connection as the domain Administrator."""
        server = ldap3.Server(LDAPS_URL, get_info=ldap3.NONE, connect_timeout=5,
                              tls=ldap3.Tls(validate=ssl.CERT_NONE))
        return ldap3.Connection(server, ADMIN, ADMIN_PASSWORD, auto_bind=True,
                                raise_exceptions=True, **options)

    def stop(self) -> None:
        """Stop the DC and remove its copy of the domain."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._held.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def add_users(conn: ldap3.Connection, names: list[str], container: str) -> dict[str, str]:
    """Create enabled-looking user objects name -> DN (UPN name@example.test, sAMAccountName)."""
    out = {}
    for name in names:
        dn = f"CN={name},{container}"
        conn.add(dn, ["top", "person", "organizationalPerson", "user"],
                 {"sAMAccountName": name, "userPrincipalName": f"{name}@example.test"})
        out[f"{name}@example.test"] = dn
    return out
