"""The URLconf of a process that serves no pages: the PDF worker (`PORTAL_PDF_WORKER`)."""

urlpatterns = []
