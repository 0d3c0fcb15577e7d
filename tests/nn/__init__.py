# tests/nn is a package (unlike tests/core and tests/autograd) because its
# test_torch_parity.py shares a basename with tests/autograd/test_torch_parity.py; pytest's
# default "prepend" import mode cannot collect two top-level modules of the same name.
