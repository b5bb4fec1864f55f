"""Settings, read from the environment (django-environ): DJANGO_SETTINGS_MODULE=portal.settings.

The defaults run on a laptop with nothing installed: SQLite, a Celery broker
kept in files, the GeoIP database from a PyPI package. Production sets
DEBUG=False, which requires SECRET_KEY and turns on the secure settings that
`manage.py check --deploy` looks for.

One module per concern, each importing what it uses from the others (base first);
`.env.example` names every variable they read (portal/tests/test_env_example.py).
"""

from .api import *  # noqa: F403
from .base import *  # noqa: F403
from .database import *  # noqa: F403
from .delivery import *  # noqa: F403
from .mirrors import *  # noqa: F403
from .security import *  # noqa: F403
from .servers import *  # noqa: F403
from .teams import *  # noqa: F403
from .worker import *  # noqa: F403
