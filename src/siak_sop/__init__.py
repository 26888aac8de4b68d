"""dukcapil.siak: SOP-PIAK-15 and the population-database backup SOP as code."""

__version__ = "0.1.0"
