"""The API's resource blueprints, registered in this order (and so documented)."""
from registry.views.api import me

BLUEPRINTS = [me.blp]
