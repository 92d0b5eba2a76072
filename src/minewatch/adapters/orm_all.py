"""Import every feature's tables so that ``Base.metadata`` is complete (migrations, backups)."""

from minewatch.accounts import orm as _accounts  # noqa: F401
from minewatch.alerts import orm as _alerts  # noqa: F401
from minewatch.audit import orm as _audit  # noqa: F401
from minewatch.cases import orm as _cases  # noqa: F401
from minewatch.cooperatives import orm as _cooperatives  # noqa: F401
from minewatch.grievances import orm as _grievances  # noqa: F401
from minewatch.hazards import orm as _hazards  # noqa: F401
from minewatch.mercury import orm as _mercury  # noqa: F401
from minewatch.messaging import orm as _messaging  # noqa: F401
from minewatch.pay import orm as _pay  # noqa: F401
from minewatch.rain import orm as _rain  # noqa: F401
from minewatch.people import orm as _people  # noqa: F401
from minewatch.registry import orm as _registry  # noqa: F401
from minewatch.planning import orm as _planning  # noqa: F401
from minewatch.sites import orm as _sites  # noqa: F401
from minewatch.water import orm as _water  # noqa: F401
from minewatch.adapters.db import Base

metadata = Base.metadata
