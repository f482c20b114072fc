"""Session authentication for the annotator hot path: one query loads the person and their annotator profile.

Django's own path costs two queries (user, then annotator) on every next-task and submit. The checks are the
ones django.contrib.auth.get_user makes: the session's user id, an active user, and the session hash (which
is what logs a person out everywhere when the password changes), plus DRF's CSRF enforcement.
"""

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils.crypto import constant_time_compare
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from workforce.models import Annotator
from workforce.selectors import annotator_with_user


def _session_hash_ok(user, session_hash: str | None) -> bool:
    if not session_hash:
        return False
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    return any(
        constant_time_compare(session_hash, user._get_session_auth_hash(secret=secret))
        for secret in settings.SECRET_KEY_FALLBACKS
    )


def session_annotator(django_request) -> Annotator | None:
    """The annotator logged in on this browser session, checked as django.contrib.auth.get_user would."""
    session = getattr(django_request, "session", None)
    user_id = session.get(SESSION_KEY) if session is not None else None
    if user_id is None:
        return None
    annotator = annotator_with_user(user_id=user_id)
    if annotator is None:
        return None
    user = annotator.user
    if not user.is_active or not _session_hash_ok(user, session.get(HASH_SESSION_KEY)):
        return None
    django_request.user = user  # what AuthenticationMiddleware would load lazily, without a second query
    return annotator


class AnnotatorSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request):
        annotator = session_annotator(request._request)
        if annotator is None:
            return None  # not an annotator: the ordinary session class authenticates, the permission refuses
        self.enforce_csrf(request)
        request.annotator = annotator
        return annotator.user, None
