{
  description = "faulty-runs: timed runs against an unreliable upstream, on Effect-TS";

  # Pinned by flake.lock (nixpkgs-unstable of 2025-09-28, the revision Effect-TS/effect's own lock uses):
  # `nix develop` gives the same shell on every machine until someone runs `nix flake update`.
  inputs.nixpkgs.url = "github:nixos/nixpkgs/nixpkgs-unstable";

  outputs = { nixpkgs, ... }:
    let
      forAllSystems = f: nixpkgs.lib.genAttrs nixpkgs.lib.systems.flakeExposed (system: f nixpkgs.legacyPackages.${system});
    in
    {
      formatter = forAllSystems (pkgs: pkgs.alejandra);
      devShells = forAllSystems (pkgs:
        let
          # Node 24, the major CI tests besides the machines' own Node 20 (.ci/run).
          nodejs = pkgs.nodejs_24;
          # A throwaway PostgreSQL server as the tests expect it: 127.0.0.1:5432, trust auth, user
          # postgres, database test. Its data lives in .pg/ (git-ignored); stop it with pg-test-server stop.
          pgTestServer = pkgs.writeShellScriptBin "pg-test-server" ''
            set -euo pipefail
            data="''${PGDATA:-$PWD/.pg}"
            if [ "''${1:-start}" = "stop" ]; then exec ${pkgs.postgresql}/bin/pg_ctl -D "$data" stop; fi
            if [ ! -f "$data/PG_VERSION" ]; then
              ${pkgs.postgresql}/bin/initdb -D "$data" -U postgres --auth=trust >/dev/null
            fi
            ${pkgs.postgresql}/bin/pg_ctl -D "$data" -l "$data/server.log" \
              -o "-c listen_addresses=127.0.0.1 -c port=5432 -c unix_socket_directories=$data" -w start
            ${pkgs.postgresql}/bin/createdb -h 127.0.0.1 -U postgres test 2>/dev/null || true
          '';
        in
        {
          # mkShell (not mkShellNoCC): better-sqlite3 compiles with node-gyp, which needs the C/C++ toolchain and make.
          default = pkgs.mkShell {
            packages = [ nodejs pkgs.python3 pkgs.postgresql pkgs.sqlite pgTestServer ];
            # node-gyp takes Node's headers from here instead of downloading them.
            npm_config_nodedir = "${nodejs}";
            shellHook = ''
              echo "faulty-runs dev shell: node $(node --version); pg-test-server starts PostgreSQL; run 'npm ci && npm test'"
            '';
          };
        });
    };
}
