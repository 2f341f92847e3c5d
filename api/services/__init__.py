"""The API's service functions: keyword-only, typed, named by intent. Routes stay thin and call them."""
