#!/usr/bin/env bash
# Starts a throw-away Dovecot IMAP server for the e-mail tests (Debian's dovecot-imapd, local
# only, plain text on 127.0.0.1): users desk / desk2 with password "secret", mail kept under
# DIR. Prints the port. Usage: scripts/imap-start.sh DIR [PORT]; stop with
# `doveadm -c DIR/dovecot.conf stop`.
set -euo pipefail
dir=$(realpath -m "$1")
port=${2:-$((20000 + RANDOM % 20000))}
command -v dovecot >/dev/null || { echo "dovecot is not installed (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$dir/run" "$dir/state" "$dir/mail"
uid=$(id -u); gid=$(id -g)
# the login processes run as dovenull/dovecot when started by root (the package creates them)
login_user=$(id -un)
internal_user=$(id -un)
if [ "$uid" = 0 ]; then
  # Dovecot never reads mail as root: the mail belongs to its own user then
  login_user=dovenull; internal_user=dovecot
  uid=$(id -u dovecot); gid=$(id -g dovecot)
  chown "$uid:$gid" "$dir/mail"
fi
chmod 755 "$dir" "$dir/run"
printf 'desk:{PLAIN}secret::::::\ndesk2:{PLAIN}secret::::::\n' > "$dir/users"
cat > "$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%u
first_valid_uid = 0
default_internal_user = $internal_user
default_login_user = $login_user
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dir/users
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
CONF
# its own output goes to the log, so a caller reading ours is not held open by the daemon
dovecot -c "$dir/dovecot.conf" </dev/null >/dev/null 2>&1
for _ in $(seq 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; exit 0; fi
  sleep 0.1
done
echo "dovecot did not start; its log:" >&2
cat "$dir/dovecot.log" >&2 || true
exit 1
