"""The NumPy inputs both sides share: the committed test sample, the toy points, corruptions, handwriting
styles, user uploads and the pictures made of model outputs."""
