import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeclinic.settings")
application = get_wsgi_application()
# The objects made while loading Django and the project live as long as the process: moved out
# of the collector's reach, they are not walked again by every full collection (about 5 % of a
# page's CPU time, measured with the load test's pages).
gc.freeze()
