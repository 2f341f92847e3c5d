"""The JSON API's request and response models, one module per concept as in `api/routes/`: import each
from its module (`api.schemas.cases`, `api.schemas.plans`, ...). A command's body is derived from the
workflow's message (`api.schemas.commands`).
"""
