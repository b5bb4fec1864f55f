"""The mirror farm, one module per part: the master tree (tree, repos), how a mirror behaves
(behaviours), its HTTP server (http), the farm of many (farm) and the separate process of
thousands (cli). `apps.core.testing.mirrorfarm` gathers the names the tests use."""
