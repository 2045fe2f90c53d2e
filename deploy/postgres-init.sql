-- The run catalog's databases beside Prefect's (what `sdlab deploy up` creates too).
CREATE DATABASE catalog;
CREATE DATABASE tables;
