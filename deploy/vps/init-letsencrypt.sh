#!/usr/bin/env bash
# The first certificate. nginx will not start without the certificate its config names, and certbot's
# webroot challenge needs nginx running: so start nginx on a throw-away self-signed certificate, ask
# Let's Encrypt for the real one through nginx's port 80, then reload nginx onto it.
# Usage (in deploy/vps, .env filled in, DNS pointing here): ./init-letsencrypt.sh [--staging]
set -euo pipefail
cd "$(dirname "$0")"
[ -f .env ] || { echo "init-letsencrypt: no .env here; cp .env.example .env and fill it in first." >&2; exit 1; }
domain="$(sed -n 's/^DOMAIN=//p' .env | tail -n 1)"
email="$(sed -n 's/^LETSENCRYPT_EMAIL=//p' .env | tail -n 1)"
[ -n "$domain" ] && [ "$domain" != "mcp.example.jp" ] || { echo "init-letsencrypt: set DOMAIN in .env to this server's name." >&2; exit 1; }
[ -n "$email" ] || { echo "init-letsencrypt: set LETSENCRYPT_EMAIL in .env (expiry notices go there)." >&2; exit 1; }
staging=()
[ "${1:-}" = "--staging" ] && staging=(--staging)
live=/etc/letsencrypt/live/estat-mcp

if docker compose run --rm --entrypoint sh certbot -c "test -s $live/fullchain.pem && ! grep -q self-signed $live/.placeholder 2>/dev/null"; then
  echo "init-letsencrypt: a certificate already exists; certbot renews it by itself. Nothing to do."
  exit 0
fi

echo "1/4 a placeholder certificate so nginx can start"
docker compose run --rm --entrypoint sh certbot -c "mkdir -p $live && \
  openssl req -x509 -nodes -newkey rsa:2048 -days 1 -subj /CN=localhost -keyout $live/privkey.pem -out $live/fullchain.pem && \
  echo self-signed > $live/.placeholder"

echo "2/4 starting the app and nginx"
docker compose up -d --build app nginx

echo "3/4 removing the placeholder and asking Let's Encrypt for $domain"
docker compose run --rm --entrypoint sh certbot -c "rm -rf $live /etc/letsencrypt/archive/estat-mcp /etc/letsencrypt/renewal/estat-mcp.conf"
docker compose run --rm --entrypoint certbot certbot certonly --webroot -w /var/www/certbot \
  --cert-name estat-mcp -d "$domain" --email "$email" --agree-tos --no-eff-email --non-interactive "${staging[@]}"

echo "4/4 nginx onto the real certificate, certbot's renewal loop started"
docker compose exec nginx nginx -s reload
docker compose up -d certbot
echo "done: https://$domain/healthz should answer; MCP clients use https://$domain/mcp"
