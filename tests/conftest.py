"""Set-up shared by the tests: the CPU split into two logical devices.

`test_distribute.py` mirrors models over them. TensorFlow fixes its devices the first time it
uses them, so the split happens here, before any test runs; the other tests use the first
device, as they would without it.
"""

from gan_utils import scaling

LOGICAL_CPUS = scaling.split_cpu(2)
