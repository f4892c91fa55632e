def test_binary_runs():
    pass
