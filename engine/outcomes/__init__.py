"""What operations did, as data: typed outcomes with their numbers and names and no words
(and the statuses they carry, as enums).

The bot renders them (bot/views/words: text for the console and the CLI, Block Kit for
Slack, an HTML table in a notebook); `to_json()` is the documented `data` of `--json`
(docs/json.md) and `rows()` a table of it. One module per area; every outcome is importable
from here.
"""

from engine.core import Outcome, Refusal
from engine.outcomes.approvals import (
    Approval,
    Decided,
    DecisionPlanned,
    NotDecided,
    PendingRequests,
    Requested,
    RequestPlanned,
)
from engine.outcomes.base import Failed
from engine.outcomes.changes import (
    BulkDeactivated,
    Repushed,
    RepushStep,
    RuleRemoved,
)
from engine.outcomes.checks import AppChecked, DriftChecked, DriftFinding
from engine.outcomes.plans import Planned, PlanNote, PushPlan
from engine.outcomes.pushes import (
    Activated,
    Deactivated,
    DriftIgnored,
    Pushed,
    PushedNow,
    PushResult,
    Retried,
)
from engine.outcomes.reports import (
    AppRow,
    AppsListed,
    AuditLine,
    AuditTrail,
    CommandHelp,
    Commands,
    FoundGroup,
    GroupsFound,
    Information,
    PushesListed,
    PushRow,
    RuleRow,
    RulesListed,
)
from engine.outcomes.sync import RuleAdded, Synced, SyncStep
from engine.outcomes.troubleshoot import Explained, HeldRetry, RetriedAll
from storage.statuses import PushStatus, RequestAction, RequestStatus

__all__ = [
    "DecisionPlanned",
    "Explained",
    "HeldRetry",
    "RetriedAll",
    "RuleAdded",
    "Synced",
    "SyncStep",
    "Outcome",
    "Refusal",
    "PushStatus",
    "RequestAction",
    "RequestStatus",
    "Failed",
    "PushPlan",
    "PlanNote",
    "Planned",
    "PushResult",
    "Pushed",
    "PushedNow",
    "Activated",
    "Deactivated",
    "DriftIgnored",
    "Retried",
    "Approval",
    "Requested",
    "RequestPlanned",
    "Decided",
    "NotDecided",
    "PendingRequests",
    "RuleRemoved",
    "BulkDeactivated",
    "RepushStep",
    "Repushed",
    "CommandHelp",
    "Commands",
    "AppRow",
    "AppsListed",
    "PushRow",
    "PushesListed",
    "FoundGroup",
    "GroupsFound",
    "Information",
    "RuleRow",
    "RulesListed",
    "AuditLine",
    "AuditTrail",
    "AppChecked",
    "DriftChecked",
    "DriftFinding",
]
