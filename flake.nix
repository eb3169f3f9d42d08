{
  description = "faulty-runs: timed runs against an unreliable upstream, on Effect-TS";

  inputs.nixpkgs.url = "github:nixos/nixpkgs/nixos-unstable";

  outputs = { nixpkgs, ... }:
    let
      forAllSystems = f: nixpkgs.lib.genAttrs nixpkgs.lib.systems.flakeExposed (system: f nixpkgs.legacyPackages.${system});
    in
    {
      formatter = forAllSystems (pkgs: pkgs.alejandra);
      devShells = forAllSystems (pkgs: {
        # mkShell (not mkShellNoCC): better-sqlite3 compiles with node-gyp, which needs the C/C++ toolchain and make.
        default = pkgs.mkShell {
          packages = with pkgs; [ nodejs_22 python3 postgresql sqlite ];
          # node-gyp takes Node's headers from here instead of downloading them.
          npm_config_nodedir = "${pkgs.nodejs_22}";
          shellHook = ''
            echo "faulty-runs dev shell: node $(node --version); run 'npm ci && npm test'"
          '';
        };
      });
    };
}
