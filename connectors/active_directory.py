"""Active Directory (or a Samba AD DC) over LDAP with ldap3: groups in one OU, members by DN."""

from __future__ import annotations

import contextlib
import re
import secrets
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ldap3 import (
    BASE,
    MODIFY_ADD,
    MODIFY_DELETE,
    MODIFY_REPLACE,
    NONE,
    SIMPLE,
    SUBTREE,
    Connection,
    Server,
    Tls,
)
from ldap3.core import exceptions as ldap_errors
from ldap3.core.exceptions import LDAPException, LDAPInvalidDnError, LDAPOperationResult
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn

from connectors.base import AppGroup, Capabilities, chunks, read_in_two
from connectors.errors import (
    AuthError,
    BadRequestError,
    ConfigError,
    ConnectorError,
    NotFoundError,
    ObjectExistsError,
    TransientError,
    UnreachableError,
)
from connectors.http import RateLimiter

T = TypeVar("T")
FILTER_TERMS = 50
PAGE_SIZE = 500
RANGE_STEP = 1500  # AD's MaxValRange: values of one attribute returned per read
MAX_CN = 64
MAX_SAM = 64
PAGED_RESULTS = "1.2.840.113556.1.4.319"
ANY = "(objectClass=*)"
GROUP_ATTRIBUTES = ["cn", "objectGUID"]
PRIVILEGED_SECONDS = 60.0
"""How long the groups AD marks privileged (adminCount=1) are taken as read."""
SAM_FORBIDDEN = re.compile(r'["/\\\[\]:;|=,+*?<>@\x00-\x1f]')
GROUP_SCOPES = {"global": 0x2, "domain_local": 0x4, "universal": 0x8}
GROUP_TYPES = {"security": 0x80000000, "distribution": 0}
USER_ATTRIBUTES = ("userPrincipalName", "sAMAccountName")
ERRORS: dict[int, type[ConnectorError]] = {
    3: TransientError, 8: AuthError, 32: NotFoundError, 48: AuthError, 49: AuthError,
    50: AuthError, 51: TransientError, 52: TransientError, 68: ObjectExistsError,
}
NETWORK_ERRORS = (ldap_errors.LDAPCommunicationError, ldap_errors.LDAPResponseTimeoutError,
                  ldap_errors.LDAPStartTLSError)
AUTH_FAILED = {8, 48, 49}  # strongAuthRequired, inappropriateAuthentication, invalidCredentials
ALREADY_MEMBER = {20, 68}  # attributeOrValueExists, entryAlreadyExists
NOT_A_MEMBER = {16, 53}  # noSuchAttribute, unwillingToPerform


def sam_account_name(name: str, suffix: str = "") -> str:
    """A pre-Windows 2000 group name from `name`: forbidden characters replaced, <= 64 chars."""
    clean = SAM_FORBIDDEN.sub("_", name).strip(" .")
    return (clean[: MAX_SAM - len(suffix)].rstrip(" .") or "group") + suffix


def group_type(kind: str, scope: str) -> int:
    """The signed 32-bit groupType AD stores for a group kind and scope."""
    value = GROUP_SCOPES[scope] | GROUP_TYPES[kind]
    return value - (1 << 32) if value >= 1 << 31 else value


@dataclass(frozen=True)
class ActiveDirectorySettings:
    """Where the domain controller is, who binds, and where pushed groups live."""

    url: str
    user: str
    password: str = field(repr=False)
    groups_ou: str
    user_attribute: str = "userPrincipalName"
    verify_tls: bool = True
    ca_file: str | None = None
    start_tls: bool = False
    users_base: str | None = None
    group_type: str = "security"
    group_scope: str = "global"
    enhanced_group_push: bool = False
    max_members_per_request: int = 500
    requests_per_minute: int | None = None
    concurrency: int = 4
    timeout: float = 30.0


class ActiveDirectoryApp:
    """An Active Directory domain as a push target; AD push now only adds members."""

    def __init__(self, name: str, settings: ActiveDirectorySettings) -> None:
        self.name = name
        self.settings = settings
        self.domain_dn = domain_of(settings.groups_ou)
        self.users_base = settings.users_base or self.domain_dn
        self.capabilities = Capabilities(
            link_existing=settings.enhanced_group_push,
            additive_push_now=True,
            max_members_per_request=settings.max_members_per_request,
            concurrency=settings.concurrency,
            descriptions=True,
        )
        self.limiter = RateLimiter(settings.requests_per_minute)
        self._lock = threading.RLock()
        self._conn: Any = None
        self._privileged: tuple[float, set[str]] | None = None

    def health(self) -> str:
        """Bind, read the rootDSE and the groups OU."""
        self._run("reading the rootDSE", query("", ANY, ["defaultNamingContext"], BASE))
        self._run("reading groups_ou", query(self.settings.groups_ou, ANY, ["ou"], BASE))
        return "ok"

    def find_group(self, name: str) -> AppGroup | None:
        """The group under groups_ou whose cn is `name` (AD compares names ignoring case)."""
        flt = f"(&(objectClass=group)(cn={escape_filter_chars(name)}))"
        found = [_group(e) for e in self._run(
            f"searching group {name!r}", query(self.settings.groups_ou, flt, GROUP_ATTRIBUTES))]
        exact = [g for g in found if g.name == name]
        return next(iter(exact or found), None)

    def privileged(self, name: str, group_id: str | None = None) -> bool:
        """Whether AD marks this group under groups_ou privileged (adminCount=1: a member,
        maybe nested, of a protected group); one search a minute answers every group."""
        now = time.monotonic()
        if self._privileged is None or now - self._privileged[0] > PRIVILEGED_SECONDS:
            found = self._run("searching privileged groups", query(
                self.settings.groups_ou, "(&(objectClass=group)(adminCount=1))",
                GROUP_ATTRIBUTES))
            marks = {g.id for g in map(_group, found)} | {
                g.name.casefold() for g in map(_group, found)}
            self._privileged = (now, marks)
        marks = self._privileged[1]
        return name.casefold() in marks or (group_id is not None and group_id in marks)

    def get_group(self, group_id: str) -> AppGroup | None:
        """The group with this objectGUID, wherever it was moved or renamed to."""
        try:
            found = self._run("reading the group", query(
                _guid_dn(group_id), "(objectClass=group)", GROUP_ATTRIBUTES, BASE))
        except NotFoundError:
            return None
        return _group(found[0]) if found else None

    def create_group(self, name: str, description: str = "") -> AppGroup:
        """Add a group under groups_ou with a free, sanitised sAMAccountName."""
        self._check_length(name, "create")
        dn = f"CN={escape_rdn(name)},{self.settings.groups_ou}"
        attributes: dict[str, Any] = {
            "sAMAccountName": self._free_sam_name(name),
            "groupType": group_type(self.settings.group_type, self.settings.group_scope),
        }
        if description:
            attributes["description"] = description

        def add(c: Any) -> list[dict[str, Any]]:
            c.add(dn, ["top", "group"], attributes)
            return query(dn, ANY, GROUP_ATTRIBUTES, BASE)(c)

        return _group(self._run(f"creating group {name!r}", add)[0])

    def rename_group(self, group_id: str, name: str) -> None:
        """A new cn where the group is; its objectGUID and sAMAccountName stay."""
        self._check_length(name, "rename a group to")

        def rename(c: Any) -> None:
            found = query(_guid_dn(group_id), "(objectClass=group)", ["cn"], BASE)(c)
            if not found:
                raise NotFoundError(f"{self.name} has no group {group_id}")
            c.modify_dn(found[0]["dn"], f"CN={escape_rdn(name)}")

        self._run(f"renaming the group to {name!r}", rename)

    def describe_group(self, group_id: str, description: str) -> None:
        """Replace the description attribute; "" removes it."""
        values = [description] if description else []
        self._run("updating the group's description", lambda c: c.modify(
            _guid_dn(group_id), {"description": [(MODIFY_REPLACE, values)]}))

    def _check_length(self, name: str, doing: str) -> None:
        if len(name) > MAX_CN:
            raise BadRequestError(f"{self.name} cannot {doing} {name!r}: Active Directory group "
                                  f"names are limited to {MAX_CN} characters")

    def delete_group(self, group_id: str) -> None:
        """Delete the group; a group already gone is fine."""
        try:
            self._run("deleting the group", lambda c: c.delete(_guid_dn(group_id)))
        except NotFoundError:
            return

    def resolve_users(self, logins: Iterable[str]) -> dict[str, str]:
        """User DNs by login (the user_attribute, ignoring case), many logins per search."""
        attr = self.settings.user_attribute
        found: dict[str, str] = {}
        for batch in chunks(sorted(set(logins)), FILTER_TERMS):
            by_fold = {login.casefold(): login for login in batch}
            terms = "".join(f"({attr}={escape_filter_chars(login)})" for login in batch)
            flt = f"(&(objectCategory=person)(objectClass=user)(|{terms}))"
            for entry in self._run("searching users", query(self.users_base, flt, [attr])):
                login = by_fold.get((_text(entry, attr) or "").casefold())
                if login is not None:
                    found[login] = entry["dn"]
        return found

    def list_members(self, group_id: str) -> dict[str, str | None]:
        """Member DN -> login, read in ranges so groups over 1500 members come whole."""
        return self._run("reading the members", lambda c: self._members(c, group_id))


    def read_group(self, group_id: str) -> tuple[AppGroup, dict[str, str | None]] | None:
        """The group, then its members (two reads); None when the group is gone."""
        return read_in_two(self, group_id)

    def user_logins(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Nothing to add: list_members names every member that has a login."""
        return {}
    def add_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """Add member DNs, max_members_per_request per modify; members already there are fine."""
        self._change(group_id, user_ids, MODIFY_ADD, ALREADY_MEMBER, "adding")

    def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """Remove member DNs, max_members_per_request per modify; absent members are fine."""
        self._change(group_id, user_ids, MODIFY_DELETE, NOT_A_MEMBER, "removing")

    def close(self) -> None:
        """Unbind; the next call binds again."""
        with self._lock:
            self._drop()

    def _change(self, group_id: str, dns: Sequence[str], op: str, harmless: set[int],
                verb: str) -> None:
        target = _guid_dn(group_id)
        for batch in chunks(list(dns), self.capabilities.max_members_per_request):
            try:
                self._modify(target, op, batch, f"{verb} {len(batch)} members")
            except ConnectorError as exc:
                if exc.status not in harmless:
                    raise
                for dn in batch:  # one value of the batch was already so: go one by one
                    try:
                        self._modify(target, op, [dn], f"{verb} member {dn}")
                    except ConnectorError as one:
                        if one.status not in harmless:
                            raise

    def _modify(self, target: str, op: str, dns: Sequence[str], what: str) -> None:
        self._run(what, lambda c: c.modify(target, {"member": [(op, list(dns))]}))

    def _members(self, c: Any, group_id: str) -> dict[str, str | None]:
        dns: list[str] = []
        start, group_dn = 0, ""
        while True:
            wanted = f"member;range={start}-{start + RANGE_STEP - 1}"
            entry = query(_guid_dn(group_id), ANY, [wanted], BASE)(c)[0]
            group_dn = entry["dn"]
            ranged = [k for k in entry["raw_attributes"] if k.lower().startswith("member;range=")]
            values = entry["raw_attributes"][ranged[0]] if ranged else []
            dns += [v.decode() for v in values]
            end = ranged[0].rsplit("-", 1)[1] if ranged else "*"
            if end == "*" or not values:
                break
            start = int(end) + 1
        attr = self.settings.user_attribute
        flt = f"(memberOf={escape_filter_chars(group_dn)})"
        logins = {e["dn"].lower(): _text(e, attr)
                  for e in query(self.users_base, flt, [attr])(c)}
        return {dn: logins.get(dn.lower()) for dn in dns}

    def _free_sam_name(self, name: str) -> str:
        candidate = sam_account_name(name)
        for _ in range(5):
            flt = f"(sAMAccountName={escape_filter_chars(candidate)})"
            if not self._run("checking the sAMAccountName", query(self.domain_dn, flt, ["cn"])):
                return candidate
            candidate = sam_account_name(name, f"-{secrets.token_hex(3)}")
        raise ObjectExistsError(f"{self.name} has no free sAMAccountName for {name!r}")

    def _connect(self) -> Any:
        s = self.settings
        tls = Tls(validate=ssl.CERT_REQUIRED if s.verify_tls else ssl.CERT_NONE,
                  ca_certs_file=s.ca_file)
        server = Server(s.url, tls=tls, get_info=NONE, connect_timeout=s.timeout)
        conn = Connection(server, user=s.user, password=s.password, authentication=SIMPLE,
                          raise_exceptions=True, auto_range=False, auto_referrals=False,
                          receive_timeout=int(s.timeout), return_empty_attributes=False)
        try:
            conn.open()
            if s.start_tls:
                conn.start_tls()
            conn.bind()
        except LDAPException:
            conn.unbind()
            raise
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(LDAPException):
                self._conn.unbind()
            self._conn = None

    def _run(self, what: str, action: Callable[[Any], T]) -> T:
        """Run one LDAP exchange under the lock; the one place LDAP errors are mapped."""
        with self._lock:
            for attempt in (1, 2):
                reused, step = self._conn is not None, what
                try:
                    if self._conn is None:
                        step = f"the bind as {self.settings.user}"
                        self._conn = self._connect()
                        step = what
                    self.limiter.wait()
                    return action(self._conn)
                except NETWORK_ERRORS as exc:
                    self._drop()
                    if reused and attempt == 1:
                        continue  # the DC closed an idle connection: bind again once
                    raise self._unreachable(exc, step) from None
                except LDAPOperationResult as exc:
                    if exc.result in AUTH_FAILED:
                        self._drop()
                    cls = ERRORS.get(exc.result, BadRequestError)
                    raise cls(f"{self.name} refused {step}: {exc.description}", status=exc.result,
                              app_message=str(exc.message or "")) from None
                except LDAPInvalidDnError as exc:
                    raise BadRequestError(f"{self.name} cannot use a DN in {step}",
                                          app_message=str(exc)) from None
            raise AssertionError("unreachable")  # pragma: no cover

    def _unreachable(self, exc: Exception, what: str) -> ConnectorError:
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text:
            return BadRequestError(f"{self.name}: the DC's TLS certificate is not trusted "
                                   "(set ca_file, or verify_tls: false)", app_message=text)
        return UnreachableError(f"{self.name} did not answer {what}", app_message=text)


def query(base: str, flt: str, attributes: list[str],
          scope: str = SUBTREE) -> Callable[[Any], list[dict[str, Any]]]:
    """A search to run on a connection: every entry found, page by page."""
    def search(c: Any) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        cookie: bytes | None = None
        while True:
            c.search(base, flt, scope, attributes=attributes, paged_size=PAGE_SIZE,
                     paged_cookie=cookie)
            entries += [r for r in c.response if r.get("type") == "searchResEntry"]
            control = (c.result.get("controls") or {}).get(PAGED_RESULTS) or {}
            cookie = (control.get("value") or {}).get("cookie")
            if not cookie:
                return entries
    return search


def _guid_dn(group_id: str) -> str:
    try:
        return f"<GUID={uuid.UUID(group_id)}>"
    except ValueError:
        raise NotFoundError(f"{group_id!r} is not an Active Directory objectGUID") from None


def _text(entry: dict[str, Any], attribute: str) -> str | None:
    values = entry["raw_attributes"].get(attribute) or []
    return values[0].decode() if values else None


def _group(entry: dict[str, Any]) -> AppGroup:
    guid = uuid.UUID(bytes_le=entry["raw_attributes"]["objectGUID"][0])
    return AppGroup(id=str(guid), name=_text(entry, "cn") or "")


def domain_of(dn: str) -> str:
    """The domain part (DC=...) of a DN."""
    try:
        parts = [f"DC={value}" for attr, value, _ in parse_dn(dn) if attr.upper() == "DC"]
    except LDAPInvalidDnError:
        parts = []
    return ",".join(parts)


def build(name: str, options: dict[str, Any], client: Any = None) -> ActiveDirectoryApp:
    """An ActiveDirectoryApp from its `apps.NAME` section (`client` is not used)."""
    from connectors.settings import settings_from

    prefix = f"apps.{name}"
    s = settings_from(ActiveDirectorySettings, prefix, options)
    choices = {"user_attribute": USER_ATTRIBUTES, "group_type": tuple(GROUP_TYPES),
               "group_scope": tuple(GROUP_SCOPES)}
    for key, allowed in choices.items():
        if getattr(s, key) not in allowed:
            raise ConfigError(f"{prefix}.{key}", f"must be one of {', '.join(allowed)}")
    if not re.match(r"(?i)^ldaps?://", s.url):
        raise ConfigError(f"{prefix}.url", "must start with ldaps:// or ldap://")
    if s.start_tls and s.url.lower().startswith("ldaps://"):
        raise ConfigError(f"{prefix}.start_tls", "is for ldap:// URLs; ldaps:// is TLS already")
    if not domain_of(s.groups_ou):
        raise ConfigError(f"{prefix}.groups_ou", "must be a DN ending in DC=..., like "
                          "OU=Pushed,DC=acme,DC=test")
    return ActiveDirectoryApp(name, s)
