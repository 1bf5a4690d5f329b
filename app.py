"""Open the chat page: `python app.py` (what `make run` does). The page lives in assistant/web/page.py."""

from assistant.web.page import main

if __name__ == "__main__":
    main()
