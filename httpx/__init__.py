from .__version__ import __description__, __title__, __version__
