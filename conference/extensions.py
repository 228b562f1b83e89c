"""Flask extensions, created unbound and attached in create_app."""

from typing import TYPE_CHECKING

from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from conference.db import Base

# Routes commit and then render what they changed; expiring everything on commit would make
# the template reload each object one query at a time.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()

if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel

    class Model(_FlaskModel, Base):
        """db.Model as a type checker sees it: it cannot take an attribute as a base class."""

else:
    Model = db.Model
