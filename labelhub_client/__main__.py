import sys

from labelhub_client.cli import main

sys.exit(main())
