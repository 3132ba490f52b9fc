"""The documentation of `POST /token` and of the security schemes (SPEC A8).

Written from the contract rather than introspected, so it reads the same whichever view serves it.
"""

TAG = {"name": "token", "description": "Get an access token for the Data Exchange API."}

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <access_token>` with a token from `POST /token`.",
    },
    "apiKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": "An API key created in the admin; the header wins over `api_key`.",
    },
    "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
}

OAUTH_ERROR_CODES = ("invalid_grant", "unsupported_grant_type", "invalid_request")

SCHEMAS = {
    "TokenPasswordGrant": {
        "type": "object",
        "properties": {
            "grant_type": {"type": "string", "enum": ["password"]},
            "username": {"type": "string", "description": "User name or e-mail address."},
            "password": {"type": "string", "format": "password"},
        },
        "required": ["grant_type", "username", "password"],
    },
    "TokenRefreshGrant": {
        "type": "object",
        "properties": {
            "grant_type": {"type": "string", "enum": ["refresh_token"]},
            "refresh_token": {"type": "string"},
        },
        "required": ["grant_type", "refresh_token"],
    },
    "TokenRequest": {
        "oneOf": [
            {"$ref": "#/components/schemas/TokenPasswordGrant"},
            {"$ref": "#/components/schemas/TokenRefreshGrant"},
        ],
    },
    "Token": {
        "type": "object",
        "properties": {
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "example": 28800, "description": "Seconds."},
            "access_token": {"type": "string"},
            "refresh_token": {"type": "string"},
        },
        "required": ["token_type", "expires_in", "access_token", "refresh_token"],
    },
    "TokenError": {
        "type": "object",
        "properties": {
            "status": {"type": "integer", "enum": [400, 429]},
            "code": {"type": "string", "example": "invalid_grant"},
            "message": {"type": "string"},
        },
        "required": ["status", "code", "message"],
    },
}

REQUEST = {"$ref": "#/components/schemas/TokenRequest"}
ERRORS = {"type": "array", "items": {"$ref": "#/components/schemas/TokenError"}}

PATHS = {
    "/token": {
        "post": {
            "operationId": "post-token",
            "summary": "Get an access token.",
            "description": (
                "Exchange a user's credentials (`grant_type=password`) or a refresh token "
                "(`grant_type=refresh_token`) for an access token, sent as a form or as JSON. "
                "Send it as `Authorization: Bearer <access_token>`."
            ),
            "tags": ["token"],
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {"schema": REQUEST},
                    "application/json": {"schema": REQUEST},
                    "multipart/form-data": {"schema": REQUEST},
                },
            },
            "responses": {
                "200": {
                    "description": "The access token and its refresh token.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Token"}}
                    },
                },
                "400": {
                    "description": (
                        "Wrong credentials (`invalid_grant`), another grant type "
                        "(`unsupported_grant_type`) or missing parameters (`invalid_request`)."
                    ),
                    "content": {"application/json": {"schema": ERRORS}},
                    "x-error-codes": list(OAUTH_ERROR_CODES),
                },
                "429": {
                    "description": "Too many attempts from this address or for this user (`1409`).",
                    "content": {"application/json": {"schema": ERRORS}},
                    "x-error-codes": ["1409"],
                },
            },
        }
    }
}
