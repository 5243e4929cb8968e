#!/usr/bin/env bash
# Copies the pinned front-end files the server embeds (include_bytes!) from web/node_modules.
# Run after changing web/package.json: cd web && npm install && ./update-assets.sh
# tests/e2e checks that the embedded copy equals the pinned package's file.
set -euo pipefail
cd "$(dirname "$0")"
cp node_modules/echarts/dist/echarts.min.js ../crates/servq-server/assets/echarts.min.js
echo "copied echarts $(node -p 'require("./node_modules/echarts/package.json").version')"
