"""Request bodies of the studio API, validated by FastAPI (422 with the reason on bad input).

Every string that names something (a model, a class, a direction, an upload, a job) is matched
against names the server knows; none is ever used as a path. Ranges keep requests bounded.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME = r"^[A-Za-z0-9][A-Za-z0-9._ &'+-]{0,99}$"  # model, class and direction names as the server lists them
ID = r"^[0-9a-f]{32}$"
DIRECTION = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}:[A-Za-z0-9][A-Za-z0-9._ &'+-]{0,99}$"  # "<set>:<name>"
MAX_SEED = 2**31 - 1
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]


def Psi() -> Any:  # noqa: N802 - a field factory, read like a type
    return Field(default=0.7, ge=-1.0, le=2.0, description="truncation psi: 1 = none, 0 = the centre")

Center = Literal["class", "global"] | None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class GenerateRequest(Strict):
    model: str = Field(pattern=NAME, description="a name from GET /api/models")
    seeds: list[Seed] = Field(min_length=1, max_length=64, description="one image per seed")
    truncation: float = Psi()
    class_name: str | None = Field(default=None, alias="class", pattern=NAME)
    truncation_center: Center = None
    format: Literal["png", "json"] = "png"


class MixRequest(Strict):
    model: str = Field(pattern=NAME)
    rows: list[Seed] = Field(min_length=1, max_length=8, description="seeds whose styles are kept")
    cols: list[Seed] = Field(min_length=1, max_length=8, description="seeds whose styles are copied in")
    layers: str = Field(default="coarse", pattern=r"^(coarse|middle|fine|all|\d{1,2}-\d{1,2})$")
    truncation: float = Psi()
    class_name: str | None = Field(default=None, alias="class", pattern=NAME)
    truncation_center: Center = None


class EditStep(Strict):
    direction: str = Field(pattern=DIRECTION, description="'<set>:<name>' from GET /api/models")
    strength: float = Field(ge=-10.0, le=10.0)


class EditRequest(Strict):
    model: str = Field(pattern=NAME)
    seed: Seed | None = None
    latents: str | None = Field(default=None, pattern=ID, description="a projection job id instead of a seed")
    edits: list[EditStep] = Field(default_factory=list, max_length=8)
    layers: str | None = Field(default=None, pattern=r"^(coarse|middle|fine|all|\d{1,2}-\d{1,2})$")
    truncation: float = Psi()
    class_name: str | None = Field(default=None, alias="class", pattern=NAME)
    truncation_center: Center = None


class WalkParams(Strict):
    model: str = Field(pattern=NAME)
    seeds: list[Seed] = Field(min_length=2, max_length=16)
    frames: int = Field(default=24, ge=2, le=240)
    space: Literal["z", "w"] = "w"
    loop: bool = False
    fps: int = Field(default=24, ge=1, le=60)
    format: Literal["mp4", "gif"] = "mp4"
    truncation: float = Psi()
    class_name: str | None = Field(default=None, alias="class", pattern=NAME)
    truncation_center: Center = None


class ProjectParams(Strict):
    model: str = Field(pattern=NAME)
    upload: str = Field(pattern=ID, description="an id from POST /api/uploads")
    steps: int = Field(default=200, ge=1, le=2000)
    space: Literal["w", "w+"] = "w+"
    pti: bool = False
    pti_steps: int = Field(default=100, ge=1, le=1000)
    class_name: str | None = Field(default=None, alias="class", pattern=NAME)


class DescribeRequest(Strict):
    context: str = Field(min_length=1, max_length=200, description='e.g. "sleeveless red asymmetric dress"')
    n: int = Field(default=3, ge=1, le=8)
    seed: Seed = 0
    temperature: float = Field(default=0.8, ge=0.0, le=2.0)


class ProductParams(Strict):
    model: str = Field(pattern=NAME)
    seeds: list[Seed] = Field(min_length=1, max_length=32)
    class_name: str | None = Field(default=None, alias="class", pattern=NAME)
    truncation: float = Psi()
    strict: bool = False


class JobRequest(Strict):
    kind: Literal["walk", "project", "product"]
    params: dict = Field(description="the body of the kind: WalkParams, ProjectParams or ProductParams")


class DirectionsRequest(Strict):
    model: str = Field(pattern=NAME)
    method: Literal["sefa", "ganspace"] = "sefa"
    num: int = Field(default=6, ge=1, le=32)
    layers: str = Field(default="all", pattern=r"^(coarse|middle|fine|all|\d{1,2}-\d{1,2})$")
