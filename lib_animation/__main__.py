import sys

from lib_animation.cli import main

sys.exit(main())
