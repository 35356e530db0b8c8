from dorsi.cli.main import main

raise SystemExit(main())
