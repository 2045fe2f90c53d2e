"""Campaign records: what a campaign was started with, so it can be resumed after a crash.

A record (`$SDLAB_HOME/campaigns/<id>.json`) is written once, atomically, when a campaign starts: its
campaign settings, the full station config and the transport. Resuming reads it back; starting a campaign
with an id that has a record continues that campaign if the settings are compatible (only the budget, the
clock speed and the approval timeout may change) and is refused otherwise. The experiments themselves live in
the catalog.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from devices.config import StationConfig
from lab.errors import UserError
from lab.home import sdlab_home
from lab.settings import CampaignConfig

RESUMABLE = frozenset({"experiments", "speedup", "approval_timeout_s"})  # settings a resumed campaign may change


@dataclass(frozen=True)
class CampaignRecord:
    """How a campaign was started."""

    campaign: CampaignConfig
    station: StationConfig
    transport: str = "sim"
    fault_rate: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {"campaign": self.campaign.model_dump(mode="json"), "station": self.station.model_dump(mode="json"),
                "transport": self.transport, "fault_rate": self.fault_rate}


def record_path(campaign_id: str) -> Path:
    return sdlab_home() / "campaigns" / f"{campaign_id}.json"


def known_campaigns() -> list[str]:
    """Ids of the recorded campaigns, most recent last."""
    folder = sdlab_home() / "campaigns"
    return [path.stem for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)]


def load_record(campaign_id: str) -> CampaignRecord:
    """The record of `campaign_id`; UserError when there is none or it cannot be read."""
    path = record_path(campaign_id)
    if not path.exists():
        recent = ", ".join(known_campaigns()[-5:]) or "none yet"
        raise UserError(f"no campaign {campaign_id!r} to resume (recent campaigns: {recent})")
    try:
        data = json.loads(path.read_text())
        return CampaignRecord(CampaignConfig.model_validate(data["campaign"]),
                              StationConfig.model_validate(data["station"]), data["transport"],
                              float(data["fault_rate"]))
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise UserError(f"campaign record {path} cannot be read ({type(exc).__name__}); "
                        "it was not written by this version of sdlab") from None


def differences(stored: CampaignRecord, new: CampaignRecord) -> list[str]:
    """The settings of `new` that a resumed `stored` campaign may not take (empty when compatible)."""
    old_json, new_json = stored.as_json(), new.as_json()
    found = [f"campaign.{key}" for key, value in new_json["campaign"].items()
             if key not in RESUMABLE and old_json["campaign"].get(key) != value]
    found += [f"station.{key}" for key, value in new_json["station"].items() if old_json["station"].get(key) != value]
    found += [key for key in ("transport", "fault_rate") if old_json[key] != new_json[key]]
    return found


def open_record(new: CampaignRecord) -> CampaignRecord:
    """Start a campaign's record, or check `new` against the one already there (a resume).

    Raises UserError naming what changed when the settings are incompatible; the stored record is then left
    untouched. A compatible resume stores its (possibly larger) budget, clock speed and approval timeout.
    """
    path = record_path(new.campaign.campaign_id)
    if path.exists():
        changed = differences(load_record(new.campaign.campaign_id), new)
        if changed:
            raise UserError(f"campaign {new.campaign.campaign_id} exists with other settings ({', '.join(changed)}); "
                            f"resume it as it was (sdlab resume {new.campaign.campaign_id}) or use a new campaign id")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(new.as_json(), indent=1))
    os.replace(partial, path)
    return new


def _running_path(campaign_id: str) -> Path:
    return sdlab_home() / "campaigns" / f"{campaign_id}.running"


@contextmanager
def running(campaign_id: str) -> Iterator[None]:
    """Mark `campaign_id` as run by this process while the block runs (a process killed leaves a mark whose
    process is gone: the campaign is then interrupted)."""
    path = _running_path(campaign_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(os.getpid()))
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def is_running(campaign_id: str) -> bool:
    """Whether a live process runs `campaign_id` now."""
    try:
        os.kill(int(_running_path(campaign_id).read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


def record_started(campaign_id: str) -> float:
    """When the record of `campaign_id` was last written (its start or latest resume), epoch seconds."""
    return record_path(campaign_id).stat().st_mtime
