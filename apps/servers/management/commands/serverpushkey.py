"""Issue a push key for one server (printed once), list its keys, or revoke one."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.servers.models import Server, ServerPushToken
from apps.servers.services import push_token_issue, push_token_revoke


class Command(BaseCommand):
    help = "Issue (default), list or revoke the keys a server pushes its readings with."

    def add_arguments(self, parser):
        parser.add_argument("hostname")
        parser.add_argument("--name", default="push", help="What pushes with the new key.")
        parser.add_argument("--list", action="store_true", help="List the server's keys.")
        parser.add_argument("--revoke", metavar="PREFIX", help="Revoke the key with this prefix.")

    def handle(self, *args, hostname, name, list, revoke, **options):
        try:
            server = Server.objects.get(hostname=hostname)
        except Server.DoesNotExist:
            raise CommandError(f"No server is called {hostname!r}.") from None
        if list:
            for token in server.push_tokens.all():
                state = "active" if token.is_active else f"revoked {token.revoked_at:%Y-%m-%d}"
                self.stdout.write(f"{token.prefix}…  {token.name}  {state}")
            return
        if revoke:
            token = ServerPushToken.objects.filter(server=server, prefix=revoke).first()
            if token is None:
                raise CommandError(f"{hostname} has no key starting {revoke!r}.")
            push_token_revoke(token=token)
            self.stdout.write(f"Revoked {token.prefix}… of {hostname}.")
            return
        try:
            _token, key = push_token_issue(server=server, name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(key)
        self.stderr.write(f"The key is shown only now; {hostname} pushes with 'Token {key}'.")
