"""The baseline: the smallest Flask app answering JSON, served the same way as the LMS."""

from flask import Flask, jsonify


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def hello():
        return jsonify(hello="world")

    return app
