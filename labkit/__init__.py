"""labkit: the reusable code of the labkit deep-learning lab course.

Each module holds one concept and names the tutorial that derives it. The
tutorials in ``tutorials/`` write things by hand first, then show that the
version here agrees, so later tutorials can import it.
"""

from labkit.checks import compare, max_abs_diff
from labkit.utils import describe_device, get_device, seed_everything

__version__ = "0.1.0"

__all__ = ["compare", "describe_device", "get_device", "max_abs_diff", "seed_everything"]
