"""Write each kata's notebook from its lesson and its stub (see katas/authoring/notebooks.py).

python tools/make_notebooks.py           # (re)write every kata's notebook
python tools/make_notebooks.py --check   # CI: exit 1 if a notebook is missing or differs from what it writes
"""

import sys

from katas.authoring.notebooks import main

if __name__ == "__main__":
    sys.exit(main())
