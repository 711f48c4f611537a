"""Static files of the web app (the widget script and stylesheet), shipped as package data."""
