"""The mirrors' tests. Their fixtures (the farm's master tree as the portal sees it, a Mirror
row per simulated mirror, the health loop's farm and live front) are in fixtures.py, which
the root conftest loads for every app's tests."""
